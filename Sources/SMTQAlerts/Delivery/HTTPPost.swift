import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMTQCore

/// One HTTP POST through URLSession with a deadline for the whole exchange (URLSession's own timeout is
/// per idle interval): 2xx is delivered, anything else a failure worth a retry.
enum HTTPPost {
    static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = 2
        configuration.urlCache = nil
        return URLSession(configuration: configuration)
    }()

    static func send(_ request: URLRequest, timeout: Duration) async -> DeliveryResult {
        var request = request
        // URLSession's idle timeout only as a backstop: the deadline below ends the whole exchange.
        request.timeoutInterval = timeout.totalSeconds + 5
        let seconds = timeout.totalSeconds
        let sent = request
        let address = request.url?.absoluteString ?? "?"
        return await withCheckedContinuation { continuation in
            let once = Locked(false)
            let finish: @Sendable (DeliveryResult) -> Void = { result in
                let first = once.withLock { done -> Bool in
                    defer { done = true }
                    return !done
                }
                if first { continuation.resume(returning: result) }
            }
            let task = session.dataTask(with: sent) { data, response, error in
                if let error {
                    finish(.failed("\(address): \(error.localizedDescription)"))
                    return
                }
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) {
                    finish(.delivered)
                } else {
                    let body = data.map { String(decoding: $0.prefix(200), as: UTF8.self) } ?? ""
                    finish(.failed("HTTP \(status) from \(address)"
                        + (body.isEmpty ? "" : ": \(body.trimmingCharacters(in: .whitespacesAndNewlines))")))
                }
            }
            let deadline = DispatchWorkItem {
                finish(.failed("no answer from \(address) within \(DurationText.format(timeout))"))
                task.cancel()
            }
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: deadline)
            task.resume()
        }
    }
}
