import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SMTQConfig

/// The daemon's one HTTP server (Hummingbird), read-only, on `metrics.listen` (loopback unless configured
/// otherwise): `/metrics` (Prometheus text) and `/api/status` (JSON). Routes live by concern in
/// `HTTP/*Routes.swift`, so the dashboard adds its own. A port that cannot be bound is one clear log line and
/// the rest of the daemon keeps working.
struct HTTPService: Service {
    let pipeline: Pipeline
    let listen: MetricsConfig
    let logger: Logger

    func run() async throws {
        let router = Router()
        MetricsRoutes(pipeline: pipeline, path: listen.path).add(to: router)
        StatusRoutes(pipeline: pipeline).add(to: router)
        var httpLogger = logger
        httpLogger[metadataKey: "part"] = "http"
        httpLogger.logLevel = max(logger.logLevel, .notice)
        let app = Application(router: router,
                              configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "smtqd"),
                              logger: httpLogger)
        do {
            try await app.run()
        } catch {
            logger.error("cannot serve HTTP; metrics and status are not available, collection goes on",
                         metadata: ["listen": "\(listen.host):\(listen.port)", "problem": "\(error)",
                                    "fix": "free the port or change metrics.listen, then restart"])
            try? await gracefulShutdown()
        }
    }
}
