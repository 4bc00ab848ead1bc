import Foundation
import Hummingbird
import SMTQConfig
import SMTQReports
import SMTQStore

extension Dashboard {
    func addPageRoutes(to router: Router<BasicRequestContext>) {
        router.get("/") { request, _ -> Response in
            await self.guarded(request) { viewer in
                let lines = self.lineNames(self.host.configuration)
                if lines.count == 1 { return try await self.linePage(lines[0], viewer: viewer, request: request) }
                return Responses.html(self.shell(viewer, title: "Lines").render(DetailPages.lines(lines), page: "lines"))
            }
        }
        router.get("/lines/:line") { request, context -> Response in
            await self.guarded(request) { viewer in
                try await self.linePage(Self.parameter(context, "line"), viewer: viewer, request: request)
            }
        }
        router.get("/charts/:chart") { request, context -> Response in
            await self.guarded(request) { viewer in
                try await self.chartPage(Self.parameter(context, "chart"), viewer: viewer, request: request)
            }
        }
        router.get("/units/:serial") { request, context -> Response in
            await self.guarded(request) { viewer in
                let serial = Self.parameter(context, "serial")
                let entries = try await self.trace(serial, viewer: viewer)
                guard !entries.isEmpty else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                let main = DetailPages.unit(serial, entries: entries, timeZone: self.host.configuration.time.timeZone)
                return Responses.html(self.shell(viewer, title: "Unit \(serial)").render(main, page: "unit"))
            }
        }
        router.get("/devices/:device") { request, context -> Response in
            await self.guarded(request) { viewer in
                let name = Self.parameter(context, "device")
                guard viewer.isPlant, let device = self.host.devices().first(where: { $0.name == name }) else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                return Responses.html(self.shell(viewer, title: "Device \(name)").render(DetailPages.device(device), page: "device"))
            }
        }
        router.get("/scorecard") { request, _ -> Response in
            await self.guarded(request) { viewer in
                let configuration = self.host.configuration
                guard let customer = self.scorecardCustomer(request, viewer: viewer, configuration: configuration) else {
                    if viewer.isPlant, request.uri.queryParameters.get("customer") == nil {
                        let customers = configuration.customers.values.sorted { $0.name < $1.name }
                        return Responses.html(self.shell(viewer, title: "Scorecards").render(DetailPages.customers(customers), page: "customers"))
                    }
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                switch self.window(request, configuration: configuration) {
                case let .failure(problem): return Responses.badRequest(problem.message, request: request)
                case let .success((since, until)):
                    let card = try await self.scorecard(customer, since: since, until: until)
                    return Responses.html(self.shell(viewer, title: "Scorecard \(customer.name)").render(DetailPages.scorecard(card), page: "scorecard"))
                }
            }
        }
    }

    func linePage(_ line: String, viewer: Viewer, request: Request) async throws -> Response {
        let configuration = host.configuration
        guard LineBoard.exists(line, configuration) else {
            return Responses.notFound(request: request, shell: shell(viewer, title: "Not found"))
        }
        let devices = host.devices()
        let margin = http.amberMargin
        let charts = Self.charts(for: .line(line), viewer: viewer, configuration: configuration)
        let (snapshot, views) = try await pages.read { db -> (LineSnapshot, [ChartView]) in
            let now = Date()
            let snapshot = try LineBoard.read(db, line: line, viewer: viewer, configuration: configuration, devices: devices,
                                              margin: margin, now: now)
            let alerts = try ChartPanels.recentAlerts(db, viewer: viewer, now: now)
            let views = try charts.map { try ChartPanels.view(db, $0, points: Self.chartPagePoints, show: Self.linePoints, configuration: configuration, alerts: alerts,
                                                             alertIDs: viewer.isPlant, now: now) }
            return (snapshot, views)
        }
        let page = LinePage(snapshot: snapshot, charts: views, timeZone: configuration.time.timeZone,
                            canAcknowledge: mayAcknowledge(viewer, request), showIDs: viewer.isPlant)
        return Responses.html(shell(viewer, title: "Line \(line)", stream: "/events?line=\(pathSegment(line))").render(page.main(), page: "line"))
    }

    func chartPage(_ name: String, viewer: Viewer, request: Request) async throws -> Response {
        let configuration = host.configuration
        guard let chart = ChartPanels.visible(viewer, configuration).first(where: { $0.name == name }) else {
            return Responses.notFound(request: request, shell: shell(viewer, title: "Not found"))
        }
        let bounds: (Int64?, Int64?)
        switch window(request, configuration: configuration) {
        case let .failure(problem): return Responses.badRequest(problem.message, request: request)
        case let .success(value): bounds = value
        }
        let points = Self.points(request)
        let (view, alerts) = try await pages.read { db -> (ChartView, [AlertListRow]) in
            let now = Date()
            let alerts = try ChartPanels.recentAlerts(db, viewer: viewer, now: now).filter { $0.chart == name }
            let view = try ChartPanels.view(db, chart, points: points, since: bounds.0, until: bounds.1, configuration: configuration,
                                            alerts: alerts, alertIDs: viewer.isPlant, now: now)
            return (view, alerts)
        }
        let table = AlertTable(alerts: alerts, timeZone: configuration.time.timeZone, canAcknowledge: mayAcknowledge(viewer, request),
                               showIDs: viewer.isPlant, emptyNote: ChartPanels.noAlerts,
                               returnPath: "/charts/\(pathSegment(name))", now: Date())
        // A page for a chosen window stays as it is; the default one follows the chart live.
        let live = bounds.0 == nil && bounds.1 == nil && points == Self.chartPagePoints
        return Responses.html(shell(viewer, title: name, stream: live ? "/events?chart=\(pathSegment(name))" : nil)
            .render(DetailPages.chart(view, alerts: table), page: "chart"))
    }

    /// `?points=N` (10 to 5000), else the default window.
    static func points(_ request: Request) -> Int {
        request.uri.queryParameters.get("points").flatMap { Int($0) }.map { min(max($0, 10), 5_000) } ?? chartPagePoints
    }

    /// A serial's results the viewer may see (a customer: its products' only).
    func trace(_ serial: String, viewer: Viewer) async throws -> [TraceEntry] {
        try await pages.read { db in try TraceQuery.run(db, serial: serial) }.filter { viewer.sees(program: $0.record.program) }
    }

    /// The customer a scorecard request is about: a customer's own; for the plant, `?customer=`.
    func scorecardCustomer(_ request: Request, viewer: Viewer, configuration: SMTQConfig.Configuration) -> CustomerConfig? {
        if case let .customer(customer) = viewer {
            let asked = request.uri.queryParameters.get("customer").map { String($0) }
            return asked == nil || asked == customer.name ? configuration.customers[customer.name] : nil
        }
        return request.uri.queryParameters.get("customer").flatMap { configuration.customers[String($0)] }
    }

    func scorecard(_ customer: CustomerConfig, since: Int64?, until: Int64?) async throws -> Scorecard {
        let configuration = host.configuration
        let now = Date()
        let start = since ?? ScorecardQuery.defaultSince(now: now, time: configuration.time)
        let end = until ?? now.storeMicroseconds
        return try await pages.read { db in try ScorecardQuery.run(db, customer: customer, since: start, until: end, configuration: configuration) }
    }
}
