import Foundation
import SMTQTestSupport

/// Paths of the repository and its fixtures, found from this file's location.
enum TestPaths {
    static let packageRoot = TestEnvironment.packageRoot
    static let exampleConfig = packageRoot.appendingPathComponent("config/smtq.yaml").path
    static let configFolder = packageRoot.appendingPathComponent("config").path
    static let brokenFixtures = packageRoot.appendingPathComponent("Tests/SMTQConfigTests/Fixtures/broken")
}
