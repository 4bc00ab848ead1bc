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

    private struct State {
        var frames = Deque<String>()
        var bytes = 0
        var closed = false
        var waiter: CheckedContinuation<String?, Never>?
    }
    private let state = Locked(State())

    init(id: UInt64, topic: LiveTopic, viewer: Viewer) {
        self.id = id
        self.topic = topic
        self.viewer = viewer
    }

    /// Queues a frame; false when the client was (or is now) dropped for falling behind.
    @discardableResult
    func push(_ frame: String) -> Bool {
        let (waiter, accepted) = state.withLock { state -> (CheckedContinuation<String?, Never>?, Bool) in
            guard !state.closed else { return (nil, false) }
            if let waiter = state.waiter {
                state.waiter = nil
                return (waiter, true)
            }
            if state.frames.count >= Self.maxFrames || state.bytes + frame.utf8.count > Self.maxBytes {
                state.closed = true
                state.frames.removeAll()
                state.bytes = 0
                return (nil, false)
            }
            state.frames.append(frame)
            state.bytes += frame.utf8.count
            return (nil, true)
        }
        waiter?.resume(returning: frame)
        return accepted
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

    func close() {
        let waiter = state.withLock { state -> CheckedContinuation<String?, Never>? in
            state.closed = true
            state.frames.removeAll()
            state.bytes = 0
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: nil)
    }

    var isClosed: Bool { state.withLock { $0.closed } }

    /// Frames waiting (for tests and the bound's check).
    var backlog: Int { state.withLock { $0.frames.count } }

    /// A Server-Sent Events frame: `event`, `id` and the data's lines.
    static func frame(event: String, id: String, data: String) -> String {
        "event: \(event)\nid: \(id)\n" + data.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
    }
}
