import Foundation
import HTTPTypes
import Hummingbird
import SMTQConfig
import SMTQCore

/// The acknowledgement form's fields.
private struct AckForm: Decodable {
    var by: String
    var note: String
    var `return`: String?
}

/// The response writer, handed to the task that writes the stream; only that task uses it until it ends.
private final class WriterBox: @unchecked Sendable {
    var writer: any ResponseBodyWriter

    init(_ writer: any ResponseBodyWriter) {
        self.writer = writer
    }
}

/// A live stream ended while a write waited: its connection is closed rather than finished.
private struct StreamDropped: Error {}

/// The login form's fields.
private struct LoginForm: Decodable {
    var token: String
    var `return`: String?
}

extension Dashboard {
    func addLiveRoutes(to router: Router<BasicRequestContext>) {
        router.get("/events") { request, _ -> Response in
            await self.guarded(request) { viewer in
                let configuration = self.host.configuration
                let topic: LiveTopic
                if let line = request.uri.queryParameters.get("line").map({ String($0) }), LineBoard.exists(line, configuration) {
                    topic = .line(line)
                } else if let chart = request.uri.queryParameters.get("chart").map({ String($0) }),
                          ChartPanels.visible(viewer, configuration).contains(where: { $0.name == chart }) {
                    topic = .chart(chart)
                } else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                let last = request.headers[HTTPField.Name("Last-Event-ID")!] ?? request.uri.queryParameters.get("last").map { String($0) }
                let client = self.feed.subscribe(topic, viewer: viewer, lastEventID: last,
                                                 tokenHash: AccessGate.token(in: request).map(AccessToken.hash))
                var headers = Responses.headers("text/event-stream; charset=utf-8")
                headers[HTTPField.Name("X-Accel-Buffering")!] = "no"
                let feed = self.feed
                return Response(status: .ok, headers: headers, body: ResponseBody { writer in
                    defer { feed.unsubscribe(client) }
                    try await Self.stream(client, to: &writer)
                })
            }
        }
        router.post("/alerts/:id/ack") { request, context -> Response in
            await self.guarded(request) { viewer in
                guard self.mayAcknowledge(viewer, request) else {
                    return Responses.unauthorized("Acknowledging an alert needs the plant token.", request: request)
                }
                guard Self.sameOrigin(request) else { return Responses.badRequest("the form came from another site", request: request) }
                guard let id = Int64(Self.parameter(context, "id")) else { return Responses.badRequest("the alert id is not a number", request: request) }
                var request = request
                let body = try await request.collectBody(upTo: 16_384)
                guard let form = try? URLEncodedFormDecoder().decode(AckForm.self, from: String(buffer: body)) else {
                    return Responses.badRequest("the form needs 'by' and 'note'", request: request)
                }
                let by = form.by.trimmingCharacters(in: .whitespacesAndNewlines), note = form.note.trimmingCharacters(in: .whitespacesAndNewlines)
                guard !by.isEmpty, !note.isEmpty, by.count <= 80, note.count <= 500 else {
                    return Responses.badRequest("'by' (up to 80 characters) and 'note' (up to 500) must not be empty", request: request)
                }
                guard try await self.host.acknowledge(alert: id, by: by, note: note) else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                self.logger.notice("alert acknowledged from the dashboard", metadata: ["alert": "\(id)", "by": "\(by)"])
                self.feed.tick(heartbeat: false)
                return Responses.redirect(Self.localPath(form.return) ?? "/")
            }
        }
        router.post("/login") { request, _ -> Response in
            var request = request
            guard Self.sameOrigin(request) else { return Responses.badRequest("the form came from another site", request: request) }
            let body = (try? await request.collectBody(upTo: 4_096)) ?? ByteBuffer()
            guard let form = try? URLEncodedFormDecoder().decode(LoginForm.self, from: String(buffer: body)) else {
                return Responses.unauthorized("Give a token.", request: request)
            }
            let token = form.token.trimmingCharacters(in: .whitespacesAndNewlines)
            guard AccessToken.fitsCookie(token) else {
                return Responses.unauthorized("That is not a token (letters, digits and - . _ ~ + / = only).", request: request)
            }
            if case let .denied(message) = await self.gate.decide(token: token) {
                return Responses.unauthorized(message, request: request)
            }
            return Responses.redirect(Self.localPath(form.return) ?? "/", cookie: Responses.tokenCookie(token))
        }
        router.get("/logout") { _, _ -> Response in
            Responses.redirect("/", cookie: Responses.clearCookie)
        }
        router.get("/assets/:name") { request, context -> Response in
            guard let asset = Assets.all[context.parameters.get("name") ?? ""] else {
                return Responses.json("{\"error\":\"not_found\"}\n", status: .notFound)
            }
            return Self.serve(asset, request)
        }
        router.get("/favicon.ico") { request, _ -> Response in
            Self.serve(Assets.all["icon.svg"]!, request)
        }
    }

    /// Writes a client's frames until it closes. A write that waits on a client that does not read is
    /// abandoned when the client is dropped: the error closes the connection, and with it its buffers.
    private static func stream(_ client: LiveClient, to writer: inout any ResponseBodyWriter) async throws {
        let box = WriterBox(writer)
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                while let frame = await client.next() { try await box.writer.write(ByteBuffer(string: frame)) }
                return true
            }
            group.addTask {
                await client.closed()
                return false
            }
            var done = try await group.next() ?? false
            if !done, !client.wasDropped {
                // Closed for a shutdown or a revoked token: the writer ends at once unless a write waits on a
                // client that does not read; give it a moment to end the response properly.
                group.addTask {
                    try? await Task.sleep(for: .seconds(1))
                    return false
                }
                done = try await group.next() ?? false
            }
            group.cancelAll()
            return done
        }
        // A dropped client, or a write still waiting: the connection goes.
        guard finished else { throw StreamDropped() }
        let done = box.writer
        try await done.finish(nil)
    }

    private static func serve(_ asset: Assets.Asset, _ request: Request) -> Response {
        var headers = Responses.headers(asset.contentType, cache: "public, max-age=86400")
        headers[.eTag] = asset.etag
        if request.headers[.ifNoneMatch] == asset.etag { return Response(status: .notModified, headers: headers) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: asset.body)))
    }

    /// A redirect target from a form: a path on this server only (never `//elsewhere` or a URL).
    static func localPath(_ text: String?) -> String? {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"),
              !text.contains(where: { $0.isNewline || $0 == "\r" }) else { return nil }
        return text
    }

    /// A form post must come from our own pages: a request that names its origin ("null" included, as
    /// sandboxed frames and data: pages send) must name this server; one that names none must carry its token
    /// in the Authorization header, which no browser adds by itself (a program, not a forged form).
    static func sameOrigin(_ request: Request) -> Bool {
        guard let origin = request.headers[.origin] else { return request.headers[.authorization] != nil }
        guard origin != "null", let host = request.head.authority, let url = URL(string: origin), let originHost = url.host else {
            return false
        }
        return originHost + (url.port.map { ":\($0)" } ?? "") == host
    }
}
