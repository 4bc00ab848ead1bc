import ArgumentParser
import Foundation
import SMTQConfig
import SMTQCore
import SMTQDashboard
import SMTQReports
import SMTQStore

/// `smtq customer`: the brands' dashboard tokens. A token is printed once, when it is made; the database
/// keeps only its SHA-256.
struct CustomerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "customer",
        abstract: "Make, list and revoke customers' dashboard tokens (each sees only its own products).",
        subcommands: [CustomerTokenCommand.self, CustomerListCommand.self, CustomerRevokeCommand.self]
    )
}

struct CustomerTokenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token",
        abstract: "Make a new token for a customer and print it once.",
        discussion: """
            The customer must be named under customers: in the configuration. The token alone goes to standard \
            output (TOKEN=$(smtq customer token acme)); keep it, it cannot be shown again. smtqd accepts it at \
            once: as 'Authorization: Bearer TOKEN', or opened once as http://HOST:PORT/?token=TOKEN in a browser \
            (it then sets a cookie). Other tokens of the customer stay valid until revoked.
            """
    )

    @Argument(help: "The customer's name.") var name: String
    @Option(help: "Who makes it (default: the login name).") var by: String?
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let configuration = try CustomerCommands.configuration(source, customer: name)
        let token = AccessToken.generate()
        let path = configuration.storage.databasePath
        let id = try SPCCommands.withStore(path) {
            try StoreDatabase.openForWriting(path: path).write { db in
                try AccessTokenStore.add(customer: name, sha256: AccessToken.hash(token), by: by ?? SPCCommands.loginName(), at: Date(), db)
            }
        }
        Console.error("token #\(id) for customer \(name) (products: \(configuration.customers[name]!.products.joined(separator: ", "))); "
            + "it is shown only now")
        print(token)
    }
}

struct CustomerListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "Customers, their products and their tokens (never the tokens themselves).")

    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let configuration = try ReportOptions.configuration(source)
        let path = configuration.storage.databasePath
        let tokens = FileManager.default.fileExists(atPath: path)
            ? try SPCCommands.withStore(path) { try StoreDatabase.openReadOnly(path: path).read { try AccessTokenStore.list($0) } } : []
        guard !configuration.customers.isEmpty || !tokens.isEmpty else {
            print("no customers are configured (customers: in \(configuration.file))")
            return
        }
        var rows: [[String]] = []
        for customer in configuration.customers.values.sorted(by: { $0.name < $1.name }) {
            let mine = tokens.filter { $0.customer == customer.name }
            let live = mine.filter { $0.revokedAt == nil }
            rows.append([customer.name, customer.products.joined(separator: ", "), String(live.count),
                         live.isEmpty ? "-" : live.map { "#\($0.id) \(RFC3339.string(from: $0.createdAt)) by \($0.createdBy)" }.joined(separator: "; ")])
        }
        for name in Set(tokens.map(\.customer)).subtracting(configuration.customers.keys).sorted() {
            rows.append([name, "(not configured: its tokens open nothing)", String(tokens.filter { $0.customer == name && $0.revokedAt == nil }.count), "-"])
        }
        print(TextTable.render(header: ["customer", "products", "live", "tokens (for revoke --id)"], rows: rows), terminator: "")
    }
}

struct CustomerRevokeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a customer's tokens (all, or one with --id); smtqd refuses them within a second."
    )

    @Argument(help: "The customer's name.") var name: String
    @Option(help: "Only this token (its number from 'smtq customer list' or 'smtq customer token').") var id: Int64?
    @OptionGroup var source: ConfigurationOptions

    func run() throws {
        let configuration = try ReportOptions.configuration(source)
        let path = configuration.storage.databasePath
        let count = try SPCCommands.withStore(path) {
            try StoreDatabase.openForWriting(path: path).write { db in try AccessTokenStore.revoke(customer: name, id: id, at: Date(), db) }
        }
        guard count > 0 else {
            Console.error("smtq customer revoke: \(name) has no live token\(id.map { " #\($0)" } ?? "") in \(path)")
            throw ExitCode(65)
        }
        print("revoked \(count) token\(count == 1 ? "" : "s") of \(name)")
    }
}

enum CustomerCommands {
    /// The configuration, checked to name the customer.
    static func configuration(_ source: ConfigurationOptions, customer: String) throws -> SMTQConfig.Configuration {
        let configuration = try ReportOptions.configuration(source)
        _ = try self.customer(customer, in: configuration, command: "smtq customer")
        return configuration
    }

    /// The customer named under `customers:`, else one line naming the ones there are and exit 64.
    static func customer(_ name: String, in configuration: SMTQConfig.Configuration, command: String) throws -> CustomerConfig {
        guard let customer = configuration.customers[name] else {
            let known = configuration.customers.keys.sorted()
            Console.error("\(command): there is no customer '\(name)' under customers: in \(configuration.file) "
                + (known.isEmpty ? "(none is configured; add customers: {\(name): {products: [...]}})" : "(known: \(known.joined(separator: ", ")))"))
            throw ExitCode(64)
        }
        return customer
    }
}
