import Foundation
import Hummingbird
import SMTQConfig
import SMTQCore
import SMTQReports
import SMTQStore

extension Dashboard {
    /// JSON for programs and scripts: the same figures as the pages, scoped the same way.
    func addAPIRoutes(to router: Router<BasicRequestContext>) {
        router.get("/api/lines/:line") { request, context -> Response in
            await self.guarded(request) { viewer in
                let line = Self.parameter(context, "line")
                let configuration = self.host.configuration
                guard LineBoard.exists(line, configuration) else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                let devices = self.host.devices(), margin = self.http.amberMargin
                let snapshot = try await self.pages.read { db in
                    try LineBoard.read(db, line: line, viewer: viewer, configuration: configuration, devices: devices, margin: margin, now: Date())
                }
                return Responses.json(LineJSON.render(snapshot, alertIDs: viewer.isPlant))
            }
        }
        router.get("/api/charts/:chart") { request, context -> Response in
            await self.guarded(request) { viewer in
                let name = Self.parameter(context, "chart")
                let configuration = self.host.configuration
                guard let chart = ChartPanels.visible(viewer, configuration).first(where: { $0.name == name }) else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                switch self.window(request, configuration: configuration) {
                case let .failure(problem): return Responses.badRequest(problem.message, request: request)
                case let .success((since, until)):
                    let points = Self.points(request)
                    let body = try await self.pages.read { db -> String in
                        let header: [(String, JSONValue)] = [("report", .string("spc")), ("time_zone", .string(configuration.time.timeZone))]
                        do {
                            let report = try ChartPanels.report(db, chart, points: points, since: since, until: until,
                                                                configuration: configuration, now: Date())
                            return SPCReportRender.json(report, labels: SPCReportRender.labels(report.subgroups, time: configuration.time), header: header)
                        } catch let error as SPCReportQuery.NoData {
                            return SPCReportRender.emptyJSON(chart, header: header, message: "\(error)")
                        }
                    }
                    return Responses.json(body + "\n")
                }
            }
        }
        router.get("/api/units/:serial") { request, context -> Response in
            await self.guarded(request) { viewer in
                let serial = Self.parameter(context, "serial")
                let entries = try await self.trace(serial, viewer: viewer)
                guard !entries.isEmpty else {
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                return Responses.json(TraceRender.json(entries, serial: serial))
            }
        }
        router.get("/api/scorecard") { request, _ -> Response in
            await self.guarded(request) { viewer in
                let configuration = self.host.configuration
                guard let customer = self.scorecardCustomer(request, viewer: viewer, configuration: configuration) else {
                    if viewer.isPlant, request.uri.queryParameters.get("customer") == nil {
                        return Responses.badRequest("give ?customer=NAME (one of: \(configuration.customers.keys.sorted().joined(separator: ", ")))", request: request)
                    }
                    return Responses.notFound(request: request, shell: self.shell(viewer, title: "Not found"))
                }
                switch self.window(request, configuration: configuration) {
                case let .failure(problem): return Responses.badRequest(problem.message, request: request)
                case let .success((since, until)):
                    let card = try await self.scorecard(customer, since: since, until: until)
                    return Responses.json(ScorecardRender.json(card, header: [("report", .string("scorecard")),
                                                                              ("time_zone", .string(configuration.time.timeZone))]))
                }
            }
        }
        router.get("/api/alerts") { request, _ -> Response in
            await self.guarded(request) { viewer in
                let alerts = try await self.pages.read { db in
                    try AlertStore.list(since: Date().addingTimeInterval(-7 * 86_400), programs: viewer.programs, limit: 500, db)
                }
                return Responses.json(LineJSON.alerts(alerts, ids: viewer.isPlant).render() + "\n")
            }
        }
    }
}

/// The line page's figures as JSON (`/api/lines/LINE`).
enum LineJSON {
    /// `alertIDs`: the plant's view (alert numbers count every customer's alerts).
    static func render(_ snapshot: LineSnapshot, alertIDs: Bool) -> String {
        func time(_ date: Date) -> JSONValue { .string(RFC3339.string(from: date)) }
        let tiles = JSONValue.array(snapshot.tiles.map { tile in
            .object([("station", .string(tile.station)), ("state", .string(tile.state.rawValue)),
                     ("hour", .object([("units", .integer(tile.hourUnits)), ("fpy", .number(tile.hourFPY))])),
                     ("shift", .object([("units", .integer(tile.shiftUnits)), ("defects", .integer(tile.shiftDefects)),
                                        ("fpy", .number(tile.shiftFPY)), ("state", .string(tile.shiftState.rawValue))])),
                     ("products", .array(tile.products.map { product in
                         .object([("program", .string(product.program)), ("target_fpy", .number(product.target)),
                                  ("state", .string(product.state.rawValue)), ("shift_state", .string(product.shiftState.rawValue)),
                                  ("hour", .object([("units", .integer(product.hourUnits)), ("fpy", .number(product.hourFPY))])),
                                  ("shift", .object([("units", .integer(product.shiftUnits)), ("fpy", .number(product.shiftFPY))]))])
                     })),
                     ("last", tile.last.map { last in
                         .object([("serial", .string(last.serial)), ("program", .string(last.program)),
                                  ("result", .string(last.passed ? "pass" : "fail")), ("time", time(last.time))])
                     } ?? .string(nil)),
                     ("devices", .array(tile.devices.map { .object([("name", .string($0.name)), ("state", .string($0.state.rawValue))]) }))])
        })
        let pareto = JSONValue.array(snapshot.pareto.map {
            .object([("key", .string($0.key)), ("count", .integer($0.count)), ("percent", .number($0.percent)),
                     ("cumulative_percent", .number($0.cumulativePercent))])
        })
        return JSONValue.object([
            ("line", .string(snapshot.line)), ("generated", time(snapshot.generated)), ("shift", .string(snapshot.clock.shiftName)),
            ("shift_start", time(snapshot.clock.shiftStart)), ("hour_start", time(snapshot.clock.hourStart)),
            ("route", .array(snapshot.route.map { .string($0) })), ("rty", .number(snapshot.rty)), ("stations", tiles),
            ("pareto", pareto), ("alerts", alerts(snapshot.alerts, ids: alertIDs)),
        ]).render() + "\n"
    }

    static func alerts(_ alerts: [AlertListRow], ids: Bool) -> JSONValue {
        .array(alerts.map { alert in
            .object((ids ? [("id", .integer(Int(alert.id)))] : []) + [("rule", .string(alert.rule)), ("severity", .string(alert.severity)),
                     ("state", .string(alert.state)), ("scope", .string(alert.scope)), ("program", .string(alert.program)),
                     ("started_at", .string(RFC3339.string(from: alert.startedAt))), ("summary", .string(alert.summary)),
                     ("acks", .array(alert.acks.map { ack in
                         .object([("by", .string(ack.by)), ("at", .string(RFC3339.string(from: ack.at))), ("note", .string(ack.note))])
                     }))])
        })
    }
}
