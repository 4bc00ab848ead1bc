import Foundation

/// The shared reference data beside the repository (`../shared/reference`), or `SMTQ_REFERENCE_DIR`.
enum ReferencePaths {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static var referenceFolder: URL {
        if let override = ProcessInfo.processInfo.environment["SMTQ_REFERENCE_DIR"] {
            return URL(fileURLWithPath: override)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/reference")
    }

    static var yieldUnits: URL { referenceFolder.appendingPathComponent("yield/units.jsonl") }
}
