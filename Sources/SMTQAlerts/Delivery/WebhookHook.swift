import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMTQConfig
import SMTQCore
import SMTQStore

/// `webhook`: the alert JSON POSTed; with a secret, `X-Smtq-Timestamp` (Unix seconds) and
/// `X-Smtq-Signature: sha256=<hex HMAC-SHA256 of "timestamp.body">`, so a receiver can check the sender and
/// refuse replays (the scheme of GitHub's and Stripe's webhooks). The secret is read at each delivery (a
/// rotated file applies at once) and never logged.
struct WebhookHook: AlertHook {
    let name: String
    let url: String
    let secret: SecretSource?
    let timeout: Duration

    /// The signature header value for a body sent at `timestamp`.
    static func signature(secret: Data, timestamp: Int64, body: Data) -> String {
        let message = Data("\(timestamp).".utf8) + body
        let code = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: secret))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// The signing key, or why it cannot be had (the message never includes the key).
    static func loadSecret(_ source: SecretSource) -> Result<Data, DeliveryError> {
        source.load("the webhook secret").map { Data($0.utf8) }.mapError { DeliveryError($0.message) }
    }

    func deliver(_ payload: String, event: AlertEventKind) async -> DeliveryResult {
        guard let target = URL(string: url) else { return .failed("'\(url)' is not a URL") }
        let body = Data(payload.utf8)
        var request = URLRequest(url: target)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("smtq/\(SMTQVersion.current)", forHTTPHeaderField: "User-Agent")
        request.setValue(event.rawValue, forHTTPHeaderField: "X-Smtq-Event")
        if let secret {
            switch Self.loadSecret(secret) {
            case let .failure(error): return .failed(error.message)
            case let .success(key):
                let timestamp = Int64(Date().timeIntervalSince1970)
                request.setValue(String(timestamp), forHTTPHeaderField: "X-Smtq-Timestamp")
                request.setValue(Self.signature(secret: key, timestamp: timestamp, body: body),
                                 forHTTPHeaderField: "X-Smtq-Signature")
            }
        }
        return await HTTPPost.send(request, timeout: timeout)
    }
}

/// A delivery that cannot be attempted (a missing secret), with a message for the log.
public struct DeliveryError: Error, Sendable {
    public var message: String
    init(_ message: String) { self.message = message }
}
