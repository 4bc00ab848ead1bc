#if canImport(Glibc)
import Glibc
#endif

/// Which file a path names (device and inode): the writer compares it after each commit with the file it
/// opened, so a database deleted or replaced under the running daemon is noticed before anything written to
/// the orphaned file is reported durable (and acknowledged to a device).
struct DatabaseFile: Equatable {
    var device: UInt64
    var inode: UInt64

    /// The file at `path` now, or nil when there is none.
    static func at(_ path: String) -> DatabaseFile? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return DatabaseFile(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
    }

    /// Why the file at `path` is no longer `self`, or nil while it is.
    func moved(at path: String) -> String? {
        guard let now = Self.at(path) else { return "the database file \(path) was deleted while smtqd was running" }
        return now == self ? nil : "the database file \(path) was replaced by another file while smtqd was running"
    }
}
