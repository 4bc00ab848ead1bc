import Foundation
import SMTQCore

/// How a connection to PostgreSQL is encrypted (libpq's `sslmode` names).
public enum CentralTLS: String, Sendable, Hashable, CaseIterable {
    /// Plain TCP (loopback or a trusted network only).
    case disable
    /// Encrypted, the server's certificate not checked.
    case require
    /// Encrypted, the certificate checked against the CA, not the host name.
    case verifyCA = "verify-ca"
    /// Encrypted, the certificate and the host name checked.
    case verifyFull = "verify-full"
}

/// A PostgreSQL database address: `postgresql://USER@HOST:PORT/DATABASE?sslmode=…` (the password never in it
/// when written in a configuration; from a file or an environment variable instead).
public struct PostgresAddress: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var database: String
    /// A password written in the URL itself (accepted on the command line, refused in configurations).
    public var urlPassword: String?
    public var tls: CentralTLS?

    /// Parses a `postgresql://` or `postgres://` URL; nil with a reason otherwise.
    public static func parse(_ text: String) -> Result<PostgresAddress, SecretProblem> {
        guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
              ["postgresql", "postgres"].contains(scheme) else {
            return .failure(SecretProblem(message: "the database URL is not a postgresql:// URL"))
        }
        guard let bracketed = components.host, !bracketed.isEmpty else {
            return .failure(SecretProblem(message: "the database URL names no host"))
        }
        // An IPv6 address comes bracketed ([::1]); the connection wants it bare.
        let host = bracketed.hasPrefix("[") && bracketed.hasSuffix("]") ? String(bracketed.dropFirst().dropLast()) : bracketed
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            return .failure(SecretProblem(message: "the database URL names no database (postgresql://USER@HOST/DATABASE)"))
        }
        var tls: CentralTLS?
        for item in components.queryItems ?? [] {
            guard item.name == "sslmode" else {
                return .failure(SecretProblem(message: "the database URL has a parameter other than sslmode (the only one it takes)"))
            }
            guard let mode = CentralTLS(rawValue: item.value ?? "") else {
                return .failure(SecretProblem(message: "the database URL's sslmode '\(item.value ?? "")' is not one of "
                                              + CentralTLS.allCases.map(\.rawValue).joined(separator: ", ")))
            }
            tls = mode
        }
        let user = components.user ?? ProcessInfo.processInfo.environment["USER"] ?? "smtq"
        return .success(PostgresAddress(host: host, port: components.port ?? 5432, user: user, database: database,
                                        urlPassword: components.password, tls: tls))
    }

    /// The URL without its password.
    public var description: String {
        "postgresql://\(user)@\(host.contains(":") ? "[\(host)]" : host):\(port)/\(database)"
    }

}

/// `forward.postgres`: this line host's records go to the plant's central PostgreSQL.
public struct CentralConfig: Sendable, Hashable {
    public var address: PostgresAddress
    public var password: SecretSource?
    public var tls: CentralTLS
    /// PEM file of the CA that signed the server's certificate (nil: the system's trust store).
    public var caFile: String?
    /// The keys the central rows carry: (site, host, local id).
    public var site: String
    public var host: String
    /// Units per batch.
    public var batchUnits: Int

    public init(address: PostgresAddress, password: SecretSource? = nil, tls: CentralTLS, caFile: String? = nil,
                site: String, host: String, batchUnits: Int = 2000) {
        self.address = address
        self.password = password
        self.tls = tls
        self.caFile = caFile
        self.site = site
        self.host = host
        self.batchUnits = batchUnits
    }

    /// TLS unless the server is on this host.
    public static func defaultTLS(for host: String) -> CentralTLS {
        HostPort.isLoopback(host) || host.hasPrefix("/") ? .disable : .verifyFull
    }
}
