import Foundation
import Hummingbird
import SMTQConfig
import SMTQCore
import SMTQReports

extension Dashboard {
    /// Adds the pages, the API, the live stream, the acknowledgement form, the login and the assets.
    public func addRoutes(to router: Router<BasicRequestContext>) {
        addPageRoutes(to: router)
        addAPIRoutes(to: router)
        addLiveRoutes(to: router)
    }

    /// Runs `body` for an allowed viewer, else answers 401. A page opened with `?token=` sets the cookie and
    /// is sent again without the token in its address (so it stays out of history and screenshots).
    func guarded(_ request: Request, _ body: (Viewer) async throws -> Response) async -> Response {
        switch await gate.decide(request) {
        case let .denied(message):
            return Responses.unauthorized(message, request: request)
        case let .allowed(viewer):
            // Only the token that let the request in, and only one that fits a cookie, becomes the cookie.
            if request.method == .get, !request.uri.path.hasPrefix("/api/"), request.uri.path != "/events",
               request.headers[.authorization] == nil, let token = request.uri.queryParameters.get("token"), !token.isEmpty,
               AccessToken.fitsCookie(String(token)) {
                let rest = (request.uri.query ?? "").split(separator: "&").filter { !$0.hasPrefix("token=") }.joined(separator: "&")
                return Responses.redirect(request.uri.path + (rest.isEmpty ? "" : "?" + rest), cookie: Responses.tokenCookie(String(token)))
            }
            do {
                return try await body(viewer)
            } catch {
                logger.warning("a dashboard request failed", metadata: ["path": "\(request.uri.path)", "problem": "\(error)"])
                let message = "The database could not be read (\(error)). Try again; if it persists, check smtqd's log."
                return Responses.wantsHTML(request)
                    ? Responses.html(shell(viewer, title: "Error").render("<h1>Error</h1><p>\(esc(message))</p>", page: "error"),
                                     status: .internalServerError)
                    : Responses.json("{\"error\":\"internal\",\"message\":\(InterchangeJSON.string(message))}\n", status: .internalServerError)
            }
        }
    }

    /// The page frame for a viewer.
    func shell(_ viewer: Viewer, title: String, stream: String? = nil) -> PageShell {
        PageShell(title: title, viewer: viewer, lines: lineNames(host.configuration), stream: stream)
    }

    /// Configured lines, then lines only devices name.
    func lineNames(_ configuration: SMTQConfig.Configuration) -> [String] {
        var names = configuration.lines.map(\.name)
        for device in configuration.devices where !names.contains(device.line) { names.append(device.line) }
        return names
    }

    /// A path parameter, percent-decoded.
    static func parameter(_ context: BasicRequestContext, _ name: String) -> String {
        let raw = context.parameters.get(name) ?? ""
        return raw.removingPercentEncoding ?? raw
    }

    /// Whether this request may acknowledge alerts: the plant, and with the plant token when one is configured
    /// (on loopback a request without a token is the plant too, but may not acknowledge then).
    func mayAcknowledge(_ viewer: Viewer, _ request: Request) -> Bool {
        viewer.isPlant && (!gate.hasPlantToken || AccessGate.token(in: request) != nil)
    }

    /// `since` and `until` of a request, read as `smtq report` reads them; nil with a message when one is wrong.
    func window(_ request: Request, configuration: SMTQConfig.Configuration) -> Result<(Int64?, Int64?), WindowProblem> {
        let window = TimeWindow(time: configuration.time)
        var bounds: [Int64?] = []
        for name in ["since", "until"] {
            guard let text = request.uri.queryParameters.get(name).map({ String($0) }), !text.isEmpty else {
                bounds.append(nil)
                continue
            }
            guard let date = window.instant(text) else { return .failure(WindowProblem(message: "\(name)='\(text)' is not \(TimeWindow.expected)")) }
            bounds.append(date.storeMicroseconds)
        }
        if let since = bounds[0], let until = bounds[1], until <= since { return .failure(WindowProblem(message: "until is not after since")) }
        return .success((bounds[0], bounds[1]))
    }
}

/// A `since` or `until` that cannot be read.
struct WindowProblem: Error {
    var message: String
}
