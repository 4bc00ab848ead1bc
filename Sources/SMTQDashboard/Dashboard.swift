import Foundation
import GRDB
import Logging
import ServiceLifecycle
import SMTQConfig
import SMTQReports
import SMTQStore

/// The line-side dashboard served by smtqd's HTTP server: the line, chart, unit, device and scorecard pages,
/// their JSON API and one live Server-Sent Events stream per page, each scoped to who is looking (the plant,
/// or one customer's products). A `Service`: its run loop ticks the live feed; on shutdown it closes the
/// streams so the HTTP server can stop.
public final class Dashboard: Service, Sendable {
    let host: any DashboardHost
    let http: HTTPConfig
    let logger: Logger
    /// Page and API reads; the live feed reads on its own connection.
    let pages: DashboardReader
    let liveReader: DashboardReader
    public let gate: AccessGate
    let feed: LiveFeed

    public init(host: any DashboardHost, http: HTTPConfig, databasePath: String, logger: Logger) throws {
        self.host = host
        self.http = http
        self.logger = logger
        pages = try DashboardReader(path: databasePath, label: "pages")
        let liveReader = try DashboardReader(path: databasePath, label: "live")
        self.liveReader = liveReader
        let reader = pages
        gate = AccessGate(http: http, configuration: { host.configuration },
                          customerTokens: { try await reader.read { try AccessTokenStore.live($0) } }, logger: logger)
        let margin = http.amberMargin
        feed = LiveFeed(content: LiveContent(
            sections: { topic, viewer in
                Self.liveSections(topic, viewer: viewer, host: host, reader: liveReader, margin: margin, logger: logger)
            },
            charts: { topic, viewer in Self.charts(for: topic, viewer: viewer, configuration: host.configuration).map(\.name) },
            chart: { topic, name, viewer in
                let configuration = host.configuration
                guard let chart = ChartPanels.visible(viewer, configuration).first(where: { $0.name == name }) else { return nil }
                do {
                    return try liveReader.readNow { db in
                        let alerts = try ChartPanels.recentAlerts(db, viewer: viewer, now: Date())
                        let show: Int? = if case .chart = topic { nil } else { Self.linePoints }
                        return ChartFigure(view: try ChartPanels.view(db, chart, points: Self.chartPagePoints, show: show, configuration: configuration,
                                                                      alerts: alerts, alertIDs: viewer.isPlant, now: Date())).plot()
                    }
                } catch {
                    logger.warning("cannot draw a chart for the dashboard", metadata: ["chart": "\(name)", "problem": "\(error)"])
                    return nil
                }
            }), logger: logger)
    }

    /// Points a chart shows on the line page (the latest of its window).
    static let linePoints = 60
    /// A chart's window by default: its latest 200 subgroups, on every view (so all show the same limits).
    static let chartPagePoints = 200

    /// Units were committed on these lines (from the writer's commits).
    public func committed(lines: Set<String>) { feed.committed(lines: lines) }

    /// A chart closed a point (from the SPC engine).
    public func chartMoved(_ chart: String) { feed.chartMoved(chart) }

    /// Live streams connected now, and dropped so far for not reading.
    public var liveClients: Int { feed.clientCount }
    public var droppedClients: Int { feed.droppedCount }

    public func run() async throws {
        var ticks = 0
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            try? await Task.sleep(for: .seconds(2))
            ticks += 1
            feed.tick(heartbeat: ticks % 8 == 0)
            // A revoked token (or a customer no longer configured) ends its open streams too.
            for hash in feed.customerTokenHashes {
                if case .denied = await gate.decide(hash: hash) { feed.close(tokenHash: hash) }
            }
        }
        feed.closeAll()
    }

    /// The charts a topic's page shows to a viewer.
    static func charts(for topic: LiveTopic, viewer: Viewer, configuration: SMTQConfig.Configuration) -> [ChartConfig] {
        let visible = ChartPanels.visible(viewer, configuration)
        switch topic {
        case let .line(line): return visible.filter { $0.line == line }
        case let .chart(name): return visible.filter { $0.name == name }
        }
    }

    private static func liveSections(_ topic: LiveTopic, viewer: Viewer, host: any DashboardHost, reader: DashboardReader,
                                     margin: Double, logger: Logger) -> [(String, String)]? {
        let configuration = host.configuration
        let now = Date()
        do {
            switch topic {
            case let .line(line):
                let snapshot = try reader.readNow { db in
                    try LineBoard.read(db, line: line, viewer: viewer, configuration: configuration, devices: host.devices(),
                                       margin: margin, now: now)
                }
                return LinePage(snapshot: snapshot, charts: [], timeZone: configuration.time.timeZone,
                                canAcknowledge: viewer.isPlant, showIDs: viewer.isPlant).sections()
            case let .chart(name):
                let alerts = try reader.readNow { db in
                    try ChartPanels.recentAlerts(db, viewer: viewer, now: now)
                }.filter { $0.chart == name }
                return [("alerts", AlertTable(alerts: alerts, timeZone: configuration.time.timeZone, canAcknowledge: viewer.isPlant, showIDs: viewer.isPlant,
                                              emptyNote: ChartPanels.noAlerts, returnPath: "/charts/\(pathSegment(name))", now: now).render())]
            }
        } catch {
            logger.warning("cannot read the dashboard's figures", metadata: ["problem": "\(error)"])
            return nil
        }
    }
}
