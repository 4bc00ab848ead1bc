import Hummingbird
import SMTQDashboard

/// `GET /metrics` (or `http.metrics_path`): Prometheus text exposition format. Open on loopback or with
/// `metrics_open`; otherwise it needs the plant token.
struct MetricsRoutes {
    let pipeline: Pipeline
    let path: String
    let gate: AccessGate
    let open: Bool

    func add(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(path)) { request, _ -> Response in
            if !open, await gate.decide(request) != .allowed(.plant) {
                return Response(status: .unauthorized, headers: [.contentType: "text/plain; charset=utf-8", .wwwAuthenticate: "Bearer realm=\"smtq\""],
                                body: .init(byteBuffer: ByteBuffer(string: "the plant token is needed (or set http.metrics_open)\n")))
            }
            let status = pipeline.status(alive: pipeline.isAlive())
            let body = DaemonMetrics.shared.scrape(pipeline, status: status)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
