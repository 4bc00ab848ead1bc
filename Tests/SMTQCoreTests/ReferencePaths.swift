import Foundation
import SMTQTestSupport

/// The shared yield reference, for the record schema round trip.
enum ReferencePaths {
    static var yieldUnits: URL { TestEnvironment.referenceFolder.appendingPathComponent("yield/units.jsonl") }
}
