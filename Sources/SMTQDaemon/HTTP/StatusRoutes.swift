import Foundation
import Hummingbird
import SMTQDashboard

/// `GET /api/status`: the daemon's state as JSON (`DaemonStatus`), what `smtq status` shows. The plant's
/// only: a customer's token gets 404, no token beyond loopback 401.
struct StatusRoutes {
    let pipeline: Pipeline
    let gate: AccessGate

    func add(to router: Router<BasicRequestContext>) {
        router.get("/api/status") { request, _ -> Response in
            switch await gate.decide(request) {
            case .denied:
                return Response(status: .unauthorized, headers: [.contentType: "application/json", .wwwAuthenticate: "Bearer realm=\"smtq\""],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"unauthorized\"}\n")))
            case .allowed(.customer):
                return Response(status: .notFound, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(string: "{\"error\":\"not_found\"}\n")))
            case .allowed(.plant):
                break
            }
            let status = pipeline.status(alive: pipeline.isAlive())
            let body = (try? DaemonStatus.encoder.encode(status)) ?? Data("{}".utf8)
            return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-store"],
                            body: .init(byteBuffer: ByteBuffer(bytes: body)))
        }
    }
}
