import SMTQCore

/// The daemon's one HTTP server: Prometheus metrics, the status API and the dashboard.
public struct HTTPConfig: Sendable, Hashable {
    public var host: String
    public var port: Int
    /// Where Prometheus scrapes (`/metrics` by default).
    public var metricsPath: String
    /// `/metrics` answers without a token even when the server listens beyond loopback.
    public var metricsOpen: Bool
    /// The plant's token (everything, and acknowledging alerts), from a file or an environment variable.
    public var plantToken: SecretSource?
    /// Serve the dashboard pages, their API and live stream.
    public var dashboard: Bool
    /// A station tile is amber (not red) while its FPY is below the target by at most this fraction.
    public var amberMargin: Double

    public init(host: String, port: Int, metricsPath: String = "/metrics", metricsOpen: Bool = false,
                plantToken: SecretSource? = nil, dashboard: Bool = true, amberMargin: Double = 0.02) {
        self.host = host
        self.port = port
        self.metricsPath = metricsPath
        self.metricsOpen = metricsOpen
        self.plantToken = plantToken
        self.dashboard = dashboard
        self.amberMargin = amberMargin
    }

    /// Whether the server is reachable only from this host (then no token is needed).
    public var isLoopback: Bool { HostPort.isLoopback(host) }
}

/// A brand the factory builds for: its products, which its tokens may see (and nothing else).
public struct CustomerConfig: Sendable, Hashable {
    public var name: String
    /// Product (program) names.
    public var products: [String]

    public init(name: String, products: [String]) {
        self.name = name
        self.products = products
    }
}
