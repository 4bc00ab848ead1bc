import Foundation

/// Writing to standard error (Swift 6 forbids touching the C `stderr` global directly).
enum Console {
    static func error(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
