import Foundation

/// Reads a file line by line in constant memory (64 KiB chunks), with 1-based line numbers.
struct LineReader {
    private let handle: FileHandle
    private var buffer = Data()
    private var atEnd = false
    private(set) var lineNumber = 0

    init(handle: FileHandle) {
        self.handle = handle
    }

    /// The next line without its newline (and without a trailing CR), or nil at the end.
    mutating func next() throws -> Data? {
        while true {
            if let newline = buffer.firstIndex(of: 10) {
                var line = buffer[buffer.startIndex..<newline]
                buffer.removeSubrange(buffer.startIndex...newline)
                if line.last == 13 { line = line.dropLast() }
                lineNumber += 1
                return Data(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                let line = buffer
                buffer.removeAll()
                lineNumber += 1
                return line.last == 13 ? Data(line.dropLast()) : line
            }
            let chunk = try handle.read(upToCount: 65_536) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }
}
