import GRDB

/// Why the database could not be used, phrased for the person at the terminal.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// A read command found no database file.
        case missing
        /// The file is not SQLite, or is damaged.
        case notADatabase
        /// An SQLite file that smtq did not create.
        case foreignDatabase
        /// Written by a newer smtq whose schema this build does not know.
        case newerSchema
        /// Older than this build and opened read-only, so it cannot be upgraded here.
        case olderSchema
        /// The disk or file system refused a write (full, read-only, I/O error).
        case storageUnavailable
        /// Any other SQLite failure.
        case sqlite
    }

    public var code: Code
    public var path: String
    public var message: String

    public init(_ code: Code, path: String, message: String) {
        self.code = code
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }

    /// Maps an SQLite error met while working on `path`.
    static func from(_ error: any Error, path: String, doing operation: String) -> StoreError {
        guard let error = error as? DatabaseError else {
            return StoreError(.sqlite, path: path, message: "\(operation) failed: \(error)")
        }
        switch error.resultCode {
        case .SQLITE_NOTADB, .SQLITE_CORRUPT:
            return StoreError(.notADatabase, path: path,
                              message: "is not a usable SQLite database (\(error.message ?? "damaged")); run 'smtq db check --db \(path)' for details")
        case .SQLITE_FULL:
            return StoreError(.storageUnavailable, path: path,
                              message: "\(operation) failed: the disk is full; free space and smtq resumes by itself")
        case .SQLITE_READONLY, .SQLITE_PERM:
            return StoreError(.storageUnavailable, path: path,
                              message: "\(operation) failed: the database is read-only (\(error.message ?? "")); check the file's owner and permissions")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN:
            return StoreError(.storageUnavailable, path: path,
                              message: "\(operation) failed: \(error.message ?? "I/O error"); check the disk and the folder's permissions")
        default:
            return StoreError(.sqlite, path: path, message: "\(operation) failed: \(error.message ?? "\(error)")")
        }
    }
}
