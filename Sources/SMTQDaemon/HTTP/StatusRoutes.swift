import Foundation
import Hummingbird

/// `GET /api/status`: the daemon's state as JSON (`DaemonStatus`), what `smtq status` shows.
struct StatusRoutes {
    let pipeline: Pipeline

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/status") { _, _ -> Response in
            let status = pipeline.status(alive: pipeline.isAlive())
            let body = (try? DaemonStatus.encoder.encode(status)) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
