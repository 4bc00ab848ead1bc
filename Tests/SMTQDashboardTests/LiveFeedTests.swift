import Foundation
import Logging
import SMTQConfig
@testable import SMTQDashboard
import Testing

/// The live feed without a server: what each stream receives, when, and the bound on a stream that does not read.
struct LiveFeedTests {
    /// Content whose sections change with `version`.
    final class Source: @unchecked Sendable {
        let lock = NSLock()
        var version = 0
        var chartDraws = 0
        /// Every reading is new (a line whose figures change all the time).
        var alwaysNew = false

        func bump() { lock.withLock { version += 1 } }

        var content: LiveContent {
            LiveContent(
                sections: { [self] topic, viewer in
                    let version = lock.withLock {
                        if alwaysNew { self.version += 1 }
                        return self.version
                    }
                    return [("tiles", "\(topic) \(viewer.key) v\(version)")]
                },
                charts: { topic, _ in
                    if case .line = topic { return ["p"] }
                    return []
                },
                chart: { [self] _, name, _ in
                    lock.withLock { chartDraws += 1 }
                    return "<svg>\(name)</svg>"
                })
        }
    }

    /// Frames a client has queued within `seconds` (what is queued is taken even when this task ran late: the
    /// cooperative pool is shared with tests that block it).
    func frames(_ client: LiveClient, count: Int, seconds: Double = 10) async -> [String] {
        var frames: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while frames.count < count {
            if client.backlog > 0, let frame = await client.next() {
                frames.append(frame)
            } else if Date() > deadline {
                break
            } else {
                try? await Task.sleep(for: .milliseconds(20))
            }
        }
        return frames
    }

    @Test("a new stream gets retry, the sections and the charts; a commit on its line sends the changed sections once")
    func firstFramesAndUpdates() async throws {
        let source = Source()
        let feed = LiveFeed(content: source.content, logger: Logger(label: "test"))
        let client = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: nil)
        let first = await frames(client, count: 3)
        try #require(first.count == 3)
        #expect(first.first == "retry: 2000\n\n")
        #expect(first[1].hasPrefix("event: sections\nid: ") && first[1].contains("line(\\\"L1\\\") plant v0"))
        #expect(first[2].hasPrefix("event: chart\n") && first[2].contains("<svg>p</svg>"))
        source.bump()
        feed.committed(lines: ["L1"])
        let update = await frames(client, count: 1)
        #expect(update.count == 1 && update[0].contains("v1"))
        // A commit on another line, or one that changes nothing, sends nothing.
        feed.committed(lines: ["L2"])
        feed.committed(lines: ["L1"])
        #expect(await frames(client, count: 1, seconds: 1).isEmpty)
        // A chart's new point redraws it for the line's streams.
        feed.chartMoved("p")
        let chart = await frames(client, count: 1)
        #expect(chart.count == 1 && chart[0].hasPrefix("event: chart"))
        feed.unsubscribe(client)
        #expect(feed.clientCount == 0)
        #expect(await client.next() == nil)
    }

    @Test("a stream resuming with the latest event id gets nothing it already has; an id of another process gets the state")
    func resume() async {
        let source = Source()
        let feed = LiveFeed(content: source.content, logger: Logger(label: "test"))
        let watcher = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: nil)
        _ = await frames(watcher, count: 3)
        source.bump()
        feed.committed(lines: ["L1"])
        let update = await frames(watcher, count: 1)
        let id = update.first?.split(separator: "\n").first { $0.hasPrefix("id: ") }.map { String($0.dropFirst(4)) }
        let resumed = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: id)
        #expect(await frames(resumed, count: 2, seconds: 1) == ["retry: 2000\n\n"])
        let stranger = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: "other-1")
        #expect(await frames(stranger, count: 3).count == 3)
    }

    @Test("streams are grouped by viewer: a customer's stream never carries the plant's sections")
    func viewers() async {
        let source = Source()
        let feed = LiveFeed(content: source.content, logger: Logger(label: "test"))
        let acme = Viewer.customer(CustomerConfig(name: "acme", products: ["A"]))
        let customer = feed.subscribe(.line("L1"), viewer: acme, lastEventID: nil)
        let plant = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: nil)
        source.bump()
        feed.committed(lines: ["L1"])
        let seen = await frames(customer, count: 4)
        #expect(seen.filter { $0.contains("event: sections") }.allSatisfy { $0.contains("customer:acme") && !$0.contains("plant") })
        #expect(await frames(plant, count: 4).filter { $0.contains("event: sections") }.allSatisfy { $0.contains(" plant ") })
    }

    @Test("a stream that does not read is dropped at its bound, and its frames are freed")
    func bound() async {
        let source = Source()
        let feed = LiveFeed(content: source.content, logger: Logger(label: "test"))
        source.alwaysNew = true
        let stalled = feed.subscribe(.line("L1"), viewer: .plant, lastEventID: nil)
        for _ in 0..<(LiveClient.maxFrames + 10) { feed.tick(heartbeat: false) }
        let deadline = Date().addingTimeInterval(10)
        while !stalled.isClosed, Date() < deadline { try? await Task.sleep(for: .milliseconds(20)) }
        #expect(stalled.isClosed)
        #expect(stalled.backlog == 0)
        #expect(feed.clientCount == 0)
        #expect(feed.droppedCount == 1)
        #expect(await stalled.next() == nil)
    }

    @Test("a client's bound counts bytes too")
    func byteBound() {
        let client = LiveClient(id: 1, topic: .line("L1"), viewer: .plant)
        let big = String(repeating: "x", count: LiveClient.maxBytes / 2 + 1)
        #expect(client.push(big))
        #expect(!client.push(big))
        #expect(client.isClosed && client.backlog == 0)
    }

    @Test("frames are Server-Sent Events: each data line prefixed, a blank line at the end")
    func frame() {
        #expect(LiveClient.frame(event: "chart", id: "b-1", data: "a\nb") == "event: chart\nid: b-1\ndata: a\ndata: b\n\n")
    }
}
