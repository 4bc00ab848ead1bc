import Dispatch
import Foundation
import Logging
import SMTQCore

/// What the live feed sends, computed by the dashboard on the feed's queue (blocking reads are fine there).
struct LiveContent: Sendable {
    /// The sections of a topic's page for a viewer, by element id.
    var sections: @Sendable (LiveTopic, Viewer) -> [(String, String)]?
    /// The charts a topic shows to a viewer.
    var charts: @Sendable (LiveTopic, Viewer) -> [String]
    /// One chart's plot as HTML, as the topic's page draws it.
    var chart: @Sendable (LiveTopic, String, Viewer) -> String?
}

/// Pushes page updates to every live stream. Commits and closed chart points mark topics dirty; a refresh
/// soon after (coalescing a burst of commits) computes each (topic, viewer) group's sections once, and sends
/// them to the group's clients only when they changed; a slow tick catches what commits do not show (alert
/// states, acknowledgements, device states) and keeps idle connections alive. Event ids are `BOOT-N`: a
/// browser resuming with the latest id of this process gets nothing it has; any other id gets the page's
/// current state.
final class LiveFeed: Sendable {
    private struct Group: Hashable {
        var topic: LiveTopic
        var viewer: Viewer
    }

    private struct State {
        var clients: [UInt64: LiveClient] = [:]
        var nextClient: UInt64 = 1
        /// Event numbers per group (a viewer learns nothing from another group's pace).
        var sequence: [Group: UInt64] = [:]
        var lastSections: [Group: [String: String]] = [:]
        var lastEvent: [Group: String] = [:]
        var dirtyLines: Set<String> = []
        var dirtyCharts: Set<String> = []
        var refreshScheduled = false
        var dropped = 0
    }

    let queue = DispatchQueue(label: "smtq.dashboard.live")
    private let state = Locked(State())
    private let content: LiveContent
    private let boot: String
    private let logger: Logger
    /// How long a refresh waits for more commits.
    private let coalesce: DispatchTimeInterval = .milliseconds(400)

    init(content: LiveContent, logger: Logger) {
        self.content = content
        self.logger = logger
        boot = String(UInt32.random(in: 0x1000_0000 ... 0xffff_ffff), radix: 36)
    }

    /// Registers a stream; its first frames (the page's state, unless `lastEventID` says it has it) follow.
    func subscribe(_ topic: LiveTopic, viewer: Viewer, lastEventID: String?, tokenHash: String? = nil) -> LiveClient {
        let client = state.withLock { state -> LiveClient in
            let client = LiveClient(id: state.nextClient, topic: topic, viewer: viewer, tokenHash: tokenHash)
            state.nextClient += 1
            state.clients[client.id] = client
            return client
        }
        client.push("retry: 2000\n\n")
        queue.async { [self] in
            let group = Group(topic: topic, viewer: viewer)
            let upToDate = state.withLock { state in lastEventID != nil && state.lastEvent[group] == lastEventID }
            guard !upToDate else { return }
            if let sections = content.sections(topic, viewer) {
                let json = Self.sectionsJSON(sections)
                let id = nextID(group, remember: false)
                client.push(LiveClient.frame(event: "sections", id: id, data: json))
            }
            for chart in content.charts(topic, viewer) {
                guard let html = content.chart(topic, chart, viewer) else { continue }
                client.push(LiveClient.frame(event: "chart", id: nextID(group, remember: false), data: Self.chartJSON(chart, html)))
            }
        }
        return client
    }

    /// Ends every stream (shutdown): their responses finish, so the HTTP server can stop.
    func closeAll() {
        let clients = state.withLock { state -> [LiveClient] in
            defer { state.clients = [:] }
            return Array(state.clients.values)
        }
        for client in clients { client.close() }
    }

    func unsubscribe(_ client: LiveClient) {
        client.close()
        _ = state.withLock { $0.clients.removeValue(forKey: client.id) }
    }

    /// Connected streams.
    var clientCount: Int { state.withLock { $0.clients.count } }

    /// The token hashes customers' open streams were opened with.
    var customerTokenHashes: Set<String> {
        state.withLock { state in Set(state.clients.values.filter { !$0.viewer.isPlant }.compactMap(\.tokenHash)) }
    }

    /// Ends the streams opened with a token that is no longer valid.
    func close(tokenHash: String) {
        let clients = state.withLock { state -> [LiveClient] in
            let gone = state.clients.values.filter { $0.tokenHash == tokenHash }
            for client in gone { state.clients.removeValue(forKey: client.id) }
            return gone
        }
        for client in clients { client.close() }
    }
    /// Streams dropped for not reading.
    var droppedCount: Int { state.withLock { $0.dropped } }

    /// Units were committed on these lines.
    func committed(lines: Set<String>) {
        guard !lines.isEmpty else { return }
        schedule { $0.dirtyLines.formUnion(lines) }
    }

    /// A chart closed a point.
    func chartMoved(_ chart: String) {
        schedule { $0.dirtyCharts.insert(chart) }
    }

    /// The slow tick: every open page's sections are recomputed and sent if they changed; idle streams get a
    /// comment so proxies and browsers keep them open.
    func tick(heartbeat: Bool) {
        queue.async { [self] in
            let groups = activeGroups()
            for group in groups { sendSections(group) }
            if heartbeat { broadcast(":\n\n", to: groups) }
        }
    }

    private func schedule(_ mark: (inout State) -> Void) {
        let start = state.withLock { state -> Bool in
            mark(&state)
            defer { state.refreshScheduled = true }
            return !state.refreshScheduled
        }
        guard start else { return }
        queue.asyncAfter(deadline: .now() + coalesce) { [self] in refresh() }
    }

    private func refresh() {
        let (lines, charts) = state.withLock { state -> (Set<String>, Set<String>) in
            defer {
                state.dirtyLines = []
                state.dirtyCharts = []
                state.refreshScheduled = false
            }
            return (state.dirtyLines, state.dirtyCharts)
        }
        for group in activeGroups() {
            let shown = content.charts(group.topic, group.viewer)
            let touched: Bool
            switch group.topic {
            case let .line(line): touched = lines.contains(line) || shown.contains(where: charts.contains)
            case .chart: touched = shown.contains(where: charts.contains)
            }
            if touched { sendSections(group) }
            for chart in shown where charts.contains(chart) {
                guard let html = content.chart(group.topic, chart, group.viewer) else { continue }
                broadcast(LiveClient.frame(event: "chart", id: nextID(group, remember: true), data: Self.chartJSON(chart, html)), to: [group])
            }
        }
    }

    /// Sends the sections of a group's page that changed since the group's last event.
    private func sendSections(_ group: Group) {
        guard let sections = content.sections(group.topic, group.viewer) else { return }
        let changed = state.withLock { state -> [(String, String)] in
            let last = state.lastSections[group] ?? [:]
            let changed = sections.filter { last[$0.0] != $0.1 }
            state.lastSections[group] = Dictionary(sections, uniquingKeysWith: { _, new in new })
            return changed
        }
        guard !changed.isEmpty else { return }
        broadcast(LiveClient.frame(event: "sections", id: nextID(group, remember: true), data: Self.sectionsJSON(changed)), to: [group])
    }

    private func nextID(_ group: Group, remember: Bool) -> String {
        state.withLock { state in
            let number = (state.sequence[group] ?? 0) + 1
            state.sequence[group] = number
            let id = "\(boot)-\(number)"
            if remember { state.lastEvent[group] = id }
            return id
        }
    }

    private func activeGroups() -> Set<Group> {
        state.withLock { state in
            let groups = Set(state.clients.values.map { Group(topic: $0.topic, viewer: $0.viewer) })
            // Groups nobody watches forget their last state, so a new viewer starts from the current one.
            state.lastSections = state.lastSections.filter { groups.contains($0.key) }
            state.lastEvent = state.lastEvent.filter { groups.contains($0.key) }
            state.sequence = state.sequence.filter { groups.contains($0.key) }
            return groups
        }
    }

    private func broadcast(_ frame: String, to groups: Set<Group>) {
        let clients = state.withLock { state in
            state.clients.values.filter { groups.contains(Group(topic: $0.topic, viewer: $0.viewer)) }
        }
        for client in clients where !client.push(frame) {
            let removed = state.withLock { state -> Bool in
                guard state.clients.removeValue(forKey: client.id) != nil else { return false }
                state.dropped += 1
                return true
            }
            if removed {
                logger.notice("dropped a live stream that stopped reading", metadata: ["client": "\(client.id)", "backlog": "\(LiveClient.maxFrames)"])
            }
        }
    }

    static func sectionsJSON(_ sections: [(String, String)]) -> String {
        "{\"sections\":{" + sections.map { InterchangeJSON.string($0.0) + ":" + InterchangeJSON.string($0.1) }.joined(separator: ",") + "}}"
    }

    static func chartJSON(_ name: String, _ html: String) -> String {
        "{\"name\":\(InterchangeJSON.string(name)),\"html\":\(InterchangeJSON.string(html))}"
    }
}
