import Foundation
import Hummingbird
import SMTQCore
import SMTQTestSupport

/// A real HTTP server on loopback that records what it is sent. `/hook` answers with the next scripted
/// status (200 once the script is used up); `/hang` answers only after `hang`; `/api/v2/alerts` stands in
/// for nothing (Alertmanager itself is tested against the real one).
final class WebhookReceiver: Sendable {
    struct Received: Sendable {
        var path: String
        var headers: [String: String]
        var body: Data
        var at: Date
    }

    let port: Int
    private let received = Locked<[Received]>([])
    private let statuses: Locked<[Int]>
    private let task: Task<Void, Never>

    init(statuses: [Int] = [], hang: Duration = .seconds(30), port: Int? = nil) async throws {
        let port = port ?? TestNetwork.freePort()
        self.port = port
        let script = Locked(statuses)
        self.statuses = script
        let log = received
        let router = Router()
        let record: @Sendable (Request, String) async throws -> Void = { request, path in
            let body = try await request.body.collect(upTo: 1 << 20)
            var headers: [String: String] = [:]
            for field in request.headers { headers[field.name.canonicalName] = field.value }
            log.withLock { $0.append(Received(path: path, headers: headers, body: Data(buffer: body), at: Date())) }
        }
        router.post("/hook") { request, _ -> Response in
            try await record(request, "/hook")
            let status = script.withLock { $0.isEmpty ? 200 : $0.removeFirst() }
            return Response(status: .init(code: status))
        }
        router.post("/hang") { request, _ -> Response in
            try await record(request, "/hang")
            try await Task.sleep(for: hang)
            return Response(status: .ok)
        }
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)))
        task = Task { try? await app.runService(gracefulShutdownSignals: []) }
        try await TestNetwork.waitForListener(port: port)
    }

    var requests: [Received] { received.withLock { $0 } }

    func stop() {
        task.cancel()
    }

    deinit {
        task.cancel()
    }
}
