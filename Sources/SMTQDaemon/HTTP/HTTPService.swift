import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import SMTQConfig
import SMTQDashboard

/// The daemon's one HTTP server (Hummingbird) on `http.listen` (loopback unless configured otherwise):
/// `/metrics` (Prometheus text), `/api/status` (JSON) and, unless turned off, the dashboard. Routes live by
/// concern in `HTTP/*Routes.swift` and the dashboard module. Beyond loopback every route needs a token
/// (`/metrics` may opt out with `metrics_open`). A port that cannot be bound is one clear log line and the
/// rest of the daemon keeps working.
struct HTTPService: Service {
    let pipeline: Pipeline
    let listen: HTTPConfig
    let dashboard: Dashboard?
    let logger: Logger

    func run() async throws {
        let router = Router()
        let configuration: @Sendable () -> SMTQConfig.Configuration = { [pipeline] in pipeline.configuration }
        let gate = dashboard?.gate ?? AccessGate(http: listen, configuration: configuration, customerTokens: nil, logger: logger)
        MetricsRoutes(pipeline: pipeline, path: listen.metricsPath, gate: gate, open: listen.metricsOpen || listen.isLoopback).add(to: router)
        StatusRoutes(pipeline: pipeline, gate: gate).add(to: router)
        dashboard?.addRoutes(to: router)
        var httpLogger = logger
        httpLogger[metadataKey: "part"] = "http"
        httpLogger.logLevel = max(logger.logLevel, .notice)
        // A connection that sends nothing for 10 s while its request is incomplete, or between requests, is
        // closed (slow or stalled clients cannot hold connections for good); a live stream being answered is not.
        let app = Application(router: router, server: .http1(configuration: .init(idleTimeout: .seconds(10))),
                              configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: "smtqd"),
                              logger: httpLogger)
        do {
            try await app.run()
        } catch {
            logger.error("cannot serve HTTP; metrics, status and the dashboard are not available, collection goes on",
                         metadata: ["listen": "\(listen.host):\(listen.port)", "problem": "\(error)",
                                    "fix": "free the port or change http.listen, then restart"])
            try? await gracefulShutdown()
        }
    }
}
