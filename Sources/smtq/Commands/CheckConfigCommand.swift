import ArgumentParser
import SMTQConfig

/// `smtq check-config FILE`: validate a configuration and say what would be polled.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Validate a configuration file and summarise what would be polled.",
        discussion: """
            Reads FILE and every profile file it includes, and checks the whole of it: YAML syntax, unknown \
            keys, types, required keys, references between devices, profiles, lines, products, charts and \
            hooks, register layouts and serial line settings.

            On success prints a short summary and exits 0. Otherwise prints one line per problem, all of \
            them, as FILE:LINE: key.path: what is wrong (what is expected), and exits 78 (EX_CONFIG).
            """
    )

    @Argument(help: "The configuration file, e.g. /etc/smtq/smtq.yaml.")
    var file: String

    @Flag(name: .shortAndLong, help: "Print nothing on success; only the exit status tells.")
    var quiet = false

    func run() throws {
        do {
            let configuration = try ConfigLoader.load(path: file)
            if !quiet {
                print("\(file): OK")
                print(configuration.summary)
            }
        } catch {
            for diagnostic in error.diagnostics {
                Console.error(diagnostic.description)
            }
            let count = error.diagnostics.count
            Console.error("\(file): \(count) problem\(count == 1 ? "" : "s") found")
            throw ExitCode(ConfigError.exitCode)
        }
    }
}
