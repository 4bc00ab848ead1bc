import ArgumentParser
import SMTQCore
import SMTQModbus
import SMTQStore

/// `smtq version`: this build and the C libraries it runs on.
struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "version",
        abstract: "Print the smtq version and the libmodbus and SQLite versions in use.",
        discussion: "The library versions are read from the loaded shared libraries, not from build-time headers."
    )

    func run() throws {
        print("smtq \(SMTQVersion.current)")
        print("libmodbus \(ModbusLibrary.version)")
        do {
            print("sqlite \(try SQLiteLibrary.version())")
        } catch {
            Console.error("smtq: cannot query the SQLite library: \(error)")
            throw ExitCode.failure
        }
    }
}
