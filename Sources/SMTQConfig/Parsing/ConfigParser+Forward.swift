import Foundation
import SMTQCore

extension ConfigParser {
    /// `forward:` with `postgres:` (url, password_file or password_env, tls, ca_file, site, host, batch).
    func parseForward(_ node: ConfigNode, site: String?) -> CentralConfig? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        guard let postgresNode = map.required("postgres", expected: "postgres: with url: postgresql://USER@HOST/DATABASE"),
              let postgres = postgresNode.mapping() else { return nil }
        defer { postgres.finish() }
        let urlNode = postgres.required("url", expected: "postgresql://USER@HOST:5432/DATABASE")
        var address: PostgresAddress?
        if let urlNode, let text = urlNode.nonEmptyString() {
            switch PostgresAddress.parse(text) {
            case let .success(parsed) where parsed.urlPassword != nil:
                urlNode.error("the URL holds a password", expected: "the URL without it and password_file or password_env")
            case let .success(parsed): address = parsed
            case let .failure(problem): urlNode.error(problem.message, expected: "postgresql://USER@HOST:5432/DATABASE")
            }
        }
        var password: SecretSource?
        let environment = postgres.optional("password_env")?.nonEmptyString()
        let file = postgres.optional("password_file")?.nonEmptyString()
        if environment != nil, file != nil {
            postgres.errorAtKey("password_file", "both password_env and password_file are given", expected: "one of them")
        } else if let environment {
            password = .environment(environment)
        } else if let file {
            if let problem = Self.secretFileProblem(file, kind: "password", holding: "the central database's password") {
                postgres.errorAtKey("password_file", problem.message, expected: problem.expected)
            } else {
                password = .file(file)
            }
        }
        let tlsNode = postgres.optional("tls")
        let tls = tlsNode?.choice(CentralTLS.self)
        if let address, let tls = tls ?? address.tls, tls == .disable, !CentralConfig.defaultTLS(for: address.host).isDisabled {
            (tlsNode ?? urlNode)?.error("tls: disable for \(address.host), beyond this host",
                                        expected: "require, verify-ca or verify-full (the password and the records would cross the network in clear)")
        }
        var caFile: String?
        if let caNode = postgres.optional("ca_file"), let path = caNode.nonEmptyString() {
            let resolved = resolve(path)
            if FileManager.default.isReadableFile(atPath: resolved) {
                caFile = resolved
            } else {
                caNode.error("CA file '\(path)' does not exist or cannot be read", expected: "a PEM file with the CA of the server's certificate")
            }
        }
        let siteNode = postgres.optional("site")
        let siteName = siteNode?.nonEmptyString() ?? site
        if siteName == nil {
            postgres.errorAtKey("url", "no site for the central rows", expected: "site: at the top of the configuration or forward.postgres.site")
        }
        let hostNode = postgres.optional("host")
        let hostName = hostNode?.nonEmptyString() ?? ProcessInfo.processInfo.hostName
        for (name, value, node) in [("site", siteName, siteNode), ("host", hostName, hostNode)] {
            guard let value, value.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", options: .regularExpression) == nil else { continue }
            let origin = node != nil ? "" : name == "site" ? " (the top-level site:)" : " (this host's name)"
            let message = "'\(value)'\(origin) is not a \(name) name for the central rows"
            let expected = "letters, digits, '.', '_' and '-' (at most 63)\(node == nil ? "; set forward.postgres.\(name)" : "")"
            if let node { node.error(message, expected: expected) } else { postgres.errorAtKey("url", message, expected: expected) }
        }
        let batch = postgres.optional("batch")?.int(1...50_000, expected: "units per batch, 1 to 50000") ?? 2000
        guard let address, let siteName else { return nil }
        return CentralConfig(address: address, password: password, tls: tls ?? address.tls ?? CentralConfig.defaultTLS(for: address.host),
                             caFile: caFile, site: siteName, host: hostName, batchUnits: batch)
    }
}

extension CentralTLS {
    var isDisabled: Bool { self == .disable }
}
