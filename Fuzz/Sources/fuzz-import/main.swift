// Fuzzes `smtq import`'s line parser (JSONLImporter.record(fromLine:with:), Sources/SMTQStore/Transfer): the input
// is split into lines as the importer's LineReader splits a file (LF, a trailing CR dropped, blank lines skipped)
// and each line is turned into a validated unit or process value, or a problem sentence.
//
// Besides crashes it checks two promises of the interchange format:
// - every bad line throws a DecodingError (anything else would stop the whole import instead of naming the line);
// - a record that import accepts, written as `smtq export` writes it (InterchangeJSON, "v":1), imports again
//   as the same record (its time to the millisecond: export writes microseconds).
import Foundation
import SMTQCore
import SMTQStore

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let decoder = JSONDecoder()
    let input = Data(bytes: data, count: size)
    for piece in input.split(separator: 10, omittingEmptySubsequences: false) {
        var line = Data(piece)
        if line.last == 13 { line.removeLast() }
        if line.allSatisfy({ $0 == 32 || $0 == 9 }) { continue }
        check(line, decoder)
    }
    return 0
}

func check(_ line: Data, _ decoder: JSONDecoder) {
    let record: InterchangeLine
    do {
        record = try JSONLImporter.record(fromLine: line, with: decoder)
    } catch let error as DecodingError {
        _ = JSONLImporter.problem(error, line: line)
        return
    } catch {
        fatalError("fuzz-import: a line threw \(type(of: error)), not a DecodingError: \(error)")
    }
    let exported: String
    switch record {
    case let .unit(unit): exported = InterchangeJSON.line(unit, version: 1)
    case let .processValue(value): exported = InterchangeJSON.line(value, version: 1)
    }
    let again: InterchangeLine
    do {
        again = try JSONLImporter.record(fromLine: Data(exported.utf8), with: decoder)
    } catch {
        fatalError("fuzz-import: export wrote a line that import refuses: \(error)\n  imported: \(String(decoding: line, as: UTF8.self))\n  exported: \(exported)")
    }
    switch (record, again) {
    case (.unit(var first), .unit(let second)):
        guard abs(first.time.timeIntervalSince(second.time)) < 0.001 else { mismatch(line, exported) }
        first.time = second.time
        first.schemaVersion = 1
        guard first == second else { mismatch(line, exported) }
    case (.processValue(var first), .processValue(let second)):
        guard abs(first.time.timeIntervalSince(second.time)) < 0.001 else { mismatch(line, exported) }
        first.time = second.time
        guard first == second else { mismatch(line, exported) }
    default:
        mismatch(line, exported)
    }
}

func mismatch(_ line: Data, _ exported: String) -> Never {
    fatalError("fuzz-import: the exported line imports as another record\n  imported: \(String(decoding: line, as: UTF8.self))\n  exported: \(exported)")
}
