import Hummingbird

/// `GET /metrics` (or `metrics.listen`'s path): Prometheus text exposition format.
struct MetricsRoutes {
    let pipeline: Pipeline
    let path: String

    func add(to router: Router<BasicRequestContext>) {
        router.get(RouterPath(path)) { _, _ -> Response in
            let status = pipeline.status(alive: pipeline.isAlive())
            let body = DaemonMetrics.shared.scrape(pipeline, status: status)
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
