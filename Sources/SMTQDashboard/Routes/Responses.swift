import Foundation
import HTTPTypes
import Hummingbird
import SMTQCore

/// The dashboard's answers, each with its content type, caching rule and the security headers: a strict
/// Content-Security-Policy (our own script and stylesheet only; nothing from another origin), no sniffing,
/// no framing, no referrer.
enum Responses {
    static let contentSecurityPolicy = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        + "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    static func headers(_ contentType: String, cache: String = "no-store") -> HTTPFields {
        var fields = HTTPFields()
        fields[.contentType] = contentType
        fields[.cacheControl] = cache
        fields[HTTPField.Name("Content-Security-Policy")!] = contentSecurityPolicy
        fields[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        fields[HTTPField.Name("X-Frame-Options")!] = "DENY"
        fields[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return fields
    }

    static func html(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers("text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func json(_ body: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: headers("application/json"), body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    static func redirect(_ location: String, cookie: String? = nil) -> Response {
        var fields = headers("text/plain; charset=utf-8")
        fields[.location] = location
        if let cookie { fields[.setCookie] = cookie }
        return Response(status: .seeOther, headers: fields)
    }

    /// Whether the client wants a page (a browser) rather than JSON.
    static func wantsHTML(_ request: Request) -> Bool {
        (request.headers[.accept] ?? "").contains("text/html")
    }

    /// 401 without data: a token form for a browser, a JSON error for a program.
    static func unauthorized(_ message: String, request: Request) -> Response {
        var response = wantsHTML(request) && !request.uri.path.hasPrefix("/api/")
            ? html(DetailPages.login(message: message), status: .unauthorized)
            : json("{\"error\":\"unauthorized\",\"message\":\(InterchangeJSON.string(message))}\n", status: .unauthorized)
        response.headers[.wwwAuthenticate] = "Bearer realm=\"smtq\""
        return response
    }

    /// 404, the same whether the thing does not exist or the viewer may not see it, and naming nothing that
    /// was asked for (the answer must not confirm anything).
    static func notFound(request: Request, shell: PageShell) -> Response {
        if request.uri.path.hasPrefix("/api/") || !wantsHTML(request) {
            return json("{\"error\":\"not_found\"}\n", status: .notFound)
        }
        return html(shell.render(DetailPages.notFound(), page: "not-found"), status: .notFound)
    }

    /// 400 with what is wrong: a page for a browser, JSON for a program.
    static func badRequest(_ message: String, request: Request) -> Response {
        if wantsHTML(request), !request.uri.path.hasPrefix("/api/") {
            return html(DetailPages.problem(message), status: .badRequest)
        }
        return json("{\"error\":\"bad_request\",\"message\":\(InterchangeJSON.string(message))}\n", status: .badRequest)
    }

    /// The session cookie: not readable by scripts, not sent by other sites.
    static func tokenCookie(_ token: String) -> String {
        "\(AccessGate.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=2592000"
    }

    static let clearCookie = "\(AccessGate.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
}
