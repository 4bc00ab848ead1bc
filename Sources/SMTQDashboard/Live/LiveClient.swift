import DequeModule
import Foundation
import SMTQCore

/// What a live stream follows: a line page or a chart page.
enum LiveTopic: Sendable, Hashable {
    case line(String)
    case chart(String)
}

/// One browser's live stream: Server-Sent Event frames waiting to be written, bounded. A client that does
/// not read (its TCP window full, our writes waiting) falls behind; past the bound it is dropped, so a
/// stalled client can never grow the daemon's memory. The browser then reconnects and resumes.
final class LiveClient: Sendable {
    static let maxFrames = 64
    static let maxBytes = 2 << 20

    let id: UInt64
    let topic: LiveTopic
    let viewer: Viewer
    /// The SHA-256 of the token the stream was opened with (nil: none, on loopback), checked again while it
    /// is open, so a revoked token's stream ends too.
    let tokenHash: String?

    private struct State {
        var frames = Deque<String>()
        var bytes = 0
        var closed = false
        var dropped = false
        var waiter: CheckedContinuation<String?, Never>?
        var closeWaiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Locked(State())

    init(id: UInt64, topic: LiveTopic, viewer: Viewer, tokenHash: String? = nil) {
        self.id = id
        self.topic = topic
        self.viewer = viewer
        self.tokenHash = tokenHash
    }

    /// Queues a frame; false when the client was (or is now) dropped for falling behind.
    @discardableResult
    func push(_ frame: String) -> Bool {
        enum Outcome {
            case handed(CheckedContinuation<String?, Never>), queued, overflow, closed
        }
        let outcome = state.withLock { state -> Outcome in
            guard !state.closed else { return .closed }
            if let waiter = state.waiter {
                state.waiter = nil
                return .handed(waiter)
            }
            guard state.frames.count < Self.maxFrames, state.bytes + frame.utf8.count <= Self.maxBytes else { return .overflow }
            state.frames.append(frame)
            state.bytes += frame.utf8.count
            return .queued
        }
        switch outcome {
        case let .handed(waiter):
            waiter.resume(returning: frame)
            return true
        case .queued:
            return true
        case .overflow:
            close(dropped: true)
            return false
        case .closed:
            return false
        }
    }

    /// The next frame, waiting for one; nil once the client is closed (dropped, or the request ended).
    func next() async -> String? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<String?, Never>) in
                let ready = state.withLock { state -> String?? in
                    if let frame = state.frames.popFirst() {
                        state.bytes -= frame.utf8.count
                        return .some(frame)
                    }
                    if state.closed { return .some(nil) }
                    state.waiter = continuation
                    return .none
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            close()
        }
    }

    /// Ends the stream; `dropped`: because it fell behind (the connection is then closed, not finished).
    func close(dropped: Bool = false) {
        let (waiter, closeWaiters) = state.withLock { state -> (CheckedContinuation<String?, Never>?, [CheckedContinuation<Void, Never>]) in
            state.dropped = state.dropped || (dropped && !state.closed)
            state.closed = true
            state.frames.removeAll()
            state.bytes = 0
            defer {
                state.waiter = nil
                state.closeWaiters = []
            }
            return (state.waiter, state.closeWaiters)
        }
        waiter?.resume(returning: nil)
        for waiter in closeWaiters { waiter.resume() }
    }

    /// Returns once the stream is closed (or the waiting task is cancelled).
    func closed() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let done = state.withLock { state -> Bool in
                    if state.closed { return true }
                    state.closeWaiters.append(continuation)
                    return false
                }
                if done { continuation.resume() }
            }
        } onCancel: {
            close()
        }
    }

    var isClosed: Bool { state.withLock { $0.closed } }
    /// Whether it was dropped for falling behind.
    var wasDropped: Bool { state.withLock { $0.dropped } }

    /// Frames waiting (for tests and the bound's check).
    var backlog: Int { state.withLock { $0.frames.count } }

    /// A Server-Sent Events frame: `event`, `id` and the data's lines.
    static func frame(event: String, id: String, data: String) -> String {
        "event: \(event)\nid: \(id)\n" + data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
    }
}
