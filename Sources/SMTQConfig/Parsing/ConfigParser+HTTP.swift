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
        guard let endpoint else { return nil }
        var config = HTTPConfig(host: endpoint.host, port: endpoint.port, metricsPath: path)
        guard full else { return config }
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
            if let problem = Self.secretFileProblem(file, kind: "token", holding: "the plant token") {
                map.errorAtKey("plant_token_file", problem.message, expected: problem.expected)
            } else {
                config.plantToken = .file(file)
            }
        }
        return config
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
