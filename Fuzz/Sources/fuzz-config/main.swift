// Fuzzes the configuration parser (Sources/SMTQConfig): the input as the YAML text of a main configuration, read
// as `smtq check-config` and `smtqd --check-config` read it (ConfigLoader, then the summary or the diagnostics
// they print), and as a profiles file (`smtq simulate --profile`). Bytes that are not UTF-8 are replaced, as a
// lossy reader would; a file that is not UTF-8 only gets "the file is not UTF-8 text" from the path reader.
//
// The text is read from a folder that is empty and nested a few levels down in a folder of its own, so
// `include:` patterns (relative ones, and `../` up to a few levels) find nothing to read. Host names are never
// sent to a resolver: `getaddrinfo` below answers "no such name" for every name, as a machine without DNS does.
// SMTQ_FUZZ_PRINT=1 prints what check-config would.
import Foundation
import SMTQConfig

#if canImport(Glibc)
import Glibc
#endif

/// The configuration's folder (empty) and the fresh temporary folder it is nested in, removed at exit.
let folders: (root: String, config: String) = {
    let root = FileManager.default.temporaryDirectory
        .appendingPathComponent("smtq-fuzz-config-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    let config = root.appendingPathComponent("a/b/c/d/config")
    do {
        try FileManager.default.createDirectory(at: config, withIntermediateDirectories: true)
    } catch {
        fatalError("fuzz-config: cannot create \(config.path): \(error)")
    }
    atexit { try? FileManager.default.removeItem(atPath: folders.root) }
    return (root.path, config.path)
}()

/// SMTQ_FUZZ_PRINT=1: print what check-config would (to see what a seed or a reproducer reaches).
let printing = ProcessInfo.processInfo.environment["SMTQ_FUZZ_PRINT"] == "1"

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    do throws(ConfigError) {
        let summary = try ConfigLoader.load(text: text, file: "smtq.yaml", directory: folders.config).summary
        if printing { print("OK\n" + summary) }
    } catch {
        let problems = error.diagnostics.map(\.description)
        if printing { print(problems.joined(separator: "\n")) }
    }
    do throws(ConfigError) {
        for profile in try ConfigLoader.loadProfiles(text: text, file: "profile.yaml").values {
            _ = profile.partsSummary + profile.registerSummary
        }
    } catch {
        _ = error.description
    }
    return 0
}

/// No name resolution in the fuzz process: a fuzzed host name would otherwise be a DNS query to the network.
/// The parser's HostResolver takes a name that does not resolve as standing for itself.
@_cdecl("getaddrinfo")
public func noNameResolution(_ node: UnsafePointer<CChar>?, _ service: UnsafePointer<CChar>?,
                             _ hints: UnsafePointer<addrinfo>?, _ result: UnsafeMutablePointer<UnsafeMutablePointer<addrinfo>?>?) -> CInt {
    result?.pointee = nil
    return EAI_NONAME
}
