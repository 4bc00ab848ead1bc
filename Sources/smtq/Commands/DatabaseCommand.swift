import ArgumentParser
import SMTQStore

/// `smtq db check|vacuum`: look after the database file.
struct DatabaseCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "db",
        abstract: "Check or compact the database.",
        subcommands: [Check.self, Vacuum.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run SQLite's integrity check and smtq's schema check; exit 0 when healthy, 1 otherwise.",
            discussion: "Read-only; safe while smtqd runs. Works on damaged and non-smtq files too, to say what they are."
        )

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            let verdict = DatabaseCheck.check(path: try database.path())
            for line in verdict.lines { print(line) }
            if !verdict.healthy { throw ExitCode.failure }
        }
    }

    struct Vacuum: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Rebuild the database file to return free space to the file system.",
            discussion: "Needs as much free disk as the database's size, and pauses smtqd's writes while it runs."
        )

        @OptionGroup var database: DatabaseOptions

        func run() throws {
            do {
                let path = try database.path()
                let sizes = try DatabaseCheck.vacuum(path: path)
                print("\(path): \(sizes.before) bytes before, \(sizes.after) after")
            } catch let error as StoreError {
                Console.error("smtq: \(error)")
                throw ExitCode.failure
            }
        }
    }
}
