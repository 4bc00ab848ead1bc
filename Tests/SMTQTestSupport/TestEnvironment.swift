import Foundation

/// Where the tests find the repository, the shared reference data and the built executables.
public enum TestEnvironment {
    /// The repository root.
    public static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The reference data the tests check against: `Tests/Reference` in the repository (a copy of the shared
    /// reference set: cases computed independently of smtq), or another set in `SMTQ_REFERENCE_DIR`.
    public static var referenceFolder: URL {
        if let override = ProcessInfo.processInfo.environment["SMTQ_REFERENCE_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.appendingPathComponent("Tests/Reference")
    }

    /// The folder the executables were built into: the test bundle's folder or one above it.
    public static let productsFolder: URL = {
        var url = Bundle.main.bundleURL
        while url.path != "/" {
            if FileManager.default.isExecutableFile(atPath: url.appendingPathComponent("smtq").path) { return url }
            url = url.deletingLastPathComponent()
        }
        return packageRoot.appendingPathComponent(".build/debug")
    }()

    /// A built executable (`smtq`, `smtqd`, `smtq-bench`).
    public static func product(_ name: String) -> URL {
        productsFolder.appendingPathComponent(name)
    }
}

/// A temporary folder, removed when the value goes away.
public final class TemporaryFolder: @unchecked Sendable {
    public let url: URL

    public init(_ prefix: String = "smtq-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }
}
