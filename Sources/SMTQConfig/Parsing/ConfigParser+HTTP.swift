import Foundation
import SMTQCore

extension ConfigParser {
    /// `http:` (the server's settings) or the older `metrics:` (`listen` and `path` only); not both.
    func parseHTTP(http: ConfigNode?, metrics: ConfigNode?) -> HTTPConfig? {
        if let http, metrics != nil {
            http.error("both http: and metrics: are given", expected: "http: alone (metrics: is its older, shorter form)")
            return nil
        }
        if let metrics { return parseServer(metrics, pathKey: "path", full: false) }
        return http.flatMap { parseServer($0, pathKey: "metrics_path", full: true) }
    }

    private func parseServer(_ node: ConfigNode, pathKey: String, full: Bool) -> HTTPConfig? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let listen = map.required("listen", expected: "HOST:PORT, e.g. 127.0.0.1:9464")
        let endpoint = listen.flatMap { hostAndPort($0) }
        let path = map.optional(pathKey)?.nonEmptyString() ?? "/metrics"
        if !path.hasPrefix("/") {
            map.errorAtKey(pathKey, "'\(path)' does not start with /", expected: "a URL path such as /metrics")
        }
        // Every key is read (and checked) even when `listen` is wrong, so no other key is taken for unknown.
        var config = HTTPConfig(host: endpoint?.host ?? "", port: endpoint?.port ?? 0, metricsPath: path)
        if full {
            readServerOptions(map, into: &config, pathKey: pathKey, path: path)
        }
        guard let endpoint else { return nil }
        if full, !HostPort.isLoopback(endpoint.host), config.plantToken == nil, config.dashboard || !config.metricsOpen {
            map.errorAtKey("listen", "\(endpoint.host):\(endpoint.port) is beyond loopback and no plant token is set",
                           expected: "plant_token_file or plant_token_env (every request there needs a token), or listen on 127.0.0.1")
        }
        return config
    }

    private func readServerOptions(_ map: MappingReader, into config: inout HTTPConfig, pathKey: String, path: String) {
        config.metricsOpen = map.optional("metrics_open")?.bool() ?? false
        config.dashboard = map.optional("dashboard")?.bool() ?? true
        config.amberMargin = map.optional("amber_margin").flatMap(fraction) ?? config.amberMargin
        if ["/", "/lines", "/charts", "/units", "/devices", "/scorecard", "/assets", "/api", "/events", "/alerts", "/login"]
            .contains(where: { path == $0 || path.hasPrefix($0 + "/") }) {
            map.errorAtKey(pathKey, "'\(path)' is a dashboard path", expected: "a path of its own such as /metrics")
        }
        let environment = map.optional("plant_token_env")?.nonEmptyString()
        let file = map.optional("plant_token_file")?.nonEmptyString()
        if environment != nil, file != nil {
            map.errorAtKey("plant_token_file", "both plant_token_env and plant_token_file are given", expected: "one of them")
        } else if let environment {
            config.plantToken = .environment(environment)
        } else if let file {
            if let problem = Self.secretFileProblem(file, kind: "token", holding: "the plant token") ?? Self.plantTokenProblem(file) {
                map.errorAtKey("plant_token_file", problem.message, expected: problem.expected)
            } else {
                config.plantToken = .file(file)
            }
        }
    }

    /// A plant token must be long enough not to be guessed and fit a browser's cookie as it is.
    static func plantTokenProblem(_ path: String) -> (message: String, expected: String)? {
        guard let token = try? SecretSource.file(path).load("the plant token").get() else {
            return ("token file '\(path)' is empty", "a token of 16 or more characters, e.g. openssl rand -hex 32 > \(path)")
        }
        if token.count < 16 {
            return ("the plant token in '\(path)' has \(token.count) characters", "16 or more, e.g. openssl rand -hex 32 > \(path)")
        }
        if token.unicodeScalars.contains(where: { !(CharacterSet.alphanumerics.contains($0) && $0.isASCII) && !"-._~+/=".unicodeScalars.contains($0) }) {
            return ("the plant token in '\(path)' has characters a browser cookie cannot hold",
                    "letters, digits and - . _ ~ + / = only, e.g. openssl rand -hex 32 > \(path)")
        }
        return nil
    }

    /// `customers:` NAME → `products: [...]`, each a product of `products:`.
    func parseCustomers(_ node: ConfigNode, products: [String: ProductConfig]) -> [String: CustomerConfig] {
        guard let map = node.mapping() else { return [:] }
        var customers: [String: CustomerConfig] = [:]
        for (name, _, customerNode) in map.entries() {
            guard let customerMap = customerNode.mapping() else { continue }
            defer { customerMap.finish() }
            let listNode = customerMap.required("products", expected: "the products this customer may see")
            if name.range(of: "^[A-Za-z0-9][A-Za-z0-9._-]*$", options: .regularExpression) == nil {
                customerNode.error("'\(name)' is not a customer name", expected: "letters, digits, '.', '_' and '-'")
                continue
            }
            guard let listNode, let list = listNode.stringList() else { continue }
            let unknown = list.filter { products[$0] == nil }
            if !unknown.isEmpty {
                listNode.error("unknown product\(unknown.count == 1 ? "" : "s") \(unknown.map { "'\($0)'" }.joined(separator: ", "))",
                               expected: "products named under products: (\(products.keys.sorted().joined(separator: ", ")))")
                continue
            }
            if list.isEmpty {
                listNode.error("the list is empty", expected: "at least one product")
                continue
            }
            customers[name] = CustomerConfig(name: name, products: list)
        }
        return customers
    }
}
