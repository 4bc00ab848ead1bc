import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SMTQConfig
import SMTQCore
import SMTQDaemon
import SMTQReports

/// `smtq status`: asks the running smtqd (its `/api/status` on `http.listen`) how its devices, writer,
/// charts and alerts are doing. Never opens the database.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Ask the running smtqd how its devices, writer, charts and alerts are doing.",
        discussion: """
            Reads smtqd's /api/status at http.listen of the configuration (or --url), with the plant token when one is set (SMTQ_TOKEN, or the configured token file if readable). Per device: up or down \
            and since when, the last record, records and samples stored, duplicates, records lost in gaps, torn \
            reads, bad records, request errors, reconnects and the last error ("silent": connected but not \
            answering); the writer's backlog and last \
            commit; the SPC signals of the last hour; alerts pending and firing, and each alert hook that has \
            notifications waiting or is failing (with its last error). Exit 0 when the daemon answered and is \
            live, 1 when it is not live, a device is down or an alert hook is failing, 3 when no daemon answers, 77 when \
            it wants a token this command does not have.
            """
    )

    @Option(help: "The configuration file (its http.listen is where smtqd answers).") var config = "/etc/smtq/smtq.yaml"
    @Option(help: "The daemon's base URL instead, e.g. http://127.0.0.1:9464.") var url: String?
    @Option(help: "table or json.") var format: Format = .table

    enum Format: String, ExpressibleByArgument {
        case table, json
    }

    func run() async throws {
        let (base, token) = try target()
        guard let endpoint = URL(string: base + "/api/status") else {
            Console.error("smtq status: '\(base)' is not a URL such as http://127.0.0.1:9464")
            throw ExitCode(64)
        }
        var request = URLRequest(url: endpoint)
        request.timeoutInterval = 5
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        let data: Data
        do {
            let (body, response) = try await URLSession.shared.data(for: request)
            if let http = response as? HTTPURLResponse, http.statusCode == 401 {
                Console.error("smtq status: \(base) wants the plant token: set SMTQ_TOKEN, or make http.plant_token_file readable by this user")
                throw ExitCode(77)
            }
            guard let http = response as? HTTPURLResponse, http.statusCode == 200 else {
                Console.error("smtq status: \(base) answered, but not as smtqd does (no /api/status there)")
                throw ExitCode(3)
            }
            data = body
        } catch let error as ExitCode {
            throw error
        } catch {
            Console.error("smtq status: no smtqd is answering at \(base) (\(error.localizedDescription)); is it running? (systemctl status smtqd)")
            throw ExitCode(3)
        }
        let status: DaemonStatus
        do {
            status = try DaemonStatus.decoder.decode(DaemonStatus.self, from: data)
        } catch {
            Console.error("smtq status: \(base)/api/status did not send smtqd's status (a different program, or another smtq version)")
            throw ExitCode(3)
        }
        switch format {
        case .json: print(String(decoding: data, as: UTF8.self))
        case .table: print(Self.render(status), terminator: "")
        }
        let hookFailing = (status.hooks ?? []).contains { $0.consecutiveFailures > 0 }
        if !status.alive || status.devicesUp < status.devices.count || hookFailing { throw ExitCode(1) }
    }

    /// `--url`, else `http.listen` of the configuration (a wildcard listen address is asked on loopback); and
    /// the plant token: SMTQ_TOKEN, else the configuration's plant token when this user can read it.
    private func target() throws -> (String, String?) {
        let environment = ProcessInfo.processInfo.environment["SMTQ_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let url { return (url.hasSuffix("/") ? String(url.dropLast()) : url, environment) }
        let configuration: Configuration
        do {
            configuration = try ConfigLoader.load(path: config)
        } catch {
            for diagnostic in error.diagnostics { Console.error(diagnostic.description) }
            throw ExitCode(ConfigError.exitCode)
        }
        guard let listen = configuration.http else {
            Console.error("smtq status: \(config) sets no http.listen, where smtqd serves its status; set it (e.g. 127.0.0.1:9464) and restart smtqd, or give --url")
            throw ExitCode(64)
        }
        let host = ["0.0.0.0", "::", ""].contains(listen.host) ? "127.0.0.1" : listen.host
        let token = environment ?? (try? listen.plantToken?.load("the plant token").get())
        return ("http://" + (host.contains(":") ? "[\(host)]" : host) + ":\(listen.port)", token)
    }

    static func render(_ status: DaemonStatus) -> String {
        var out = "smtqd \(status.version), up since \(status.startedAt), \(status.alive ? "live" : "NOT LIVE (the watchdog is not fed)")\n"
        out += "config \(status.config), database \(status.database)\n"
        out += "devices \(status.devicesUp)/\(status.devices.count) up, \(status.recordsLastMinute) records in the last minute\n\n"
        let header = ["device", "state", "since", "last record", "records", "samples", "dup", "lost", "torn", "bad", "timeouts",
                      "exceptions", "crc", "other", "reconnects", "last error"]
        let rows = status.devices.map { device -> [String] in
            [device.name, device.up ? "up" : device.connected ? "silent" : "down", device.since ?? "-", device.lastRecord ?? "-",
             String(device.records), String(device.samples), String(device.duplicates), String(device.lostRecords),
             String(device.tornReads), String(device.badRecords), String(device.timeouts), String(device.exceptions),
             String(device.crcErrors), String(device.otherErrors), String(device.reconnects), device.lastError ?? "-"]
        }
        out += TextTable.render(header: header, rows: rows) + "\n"
        let writer = status.writer
        out += "writer: backlog \(writer.backlog), last commit \(writer.lastCommit ?? "none yet"), \(writer.commits) commits"
        out += writer.failing ? ", DATABASE WRITES FAILING (records held in memory, not acknowledged)" : ""
        out += writer.alive ? "\n" : ", WEDGED\n"
        if status.signalsLastHour.isEmpty {
            out += "SPC: no signals in the last hour (\(status.charts.count) charts)\n"
        } else {
            out += "SPC signals in the last hour:\n"
            out += TextTable.render(header: ["chart", "series", "point", "ended", "value", "signals"], rows: status.signalsLastHour.map {
                [$0.chart, $0.series, String($0.index), $0.end, $0.value.map(InterchangeJSON.number) ?? "n/a",
                 $0.signals.joined(separator: ",")]
            })
        }
        out += "alerts pending: \(status.alertsPending.map(String.init) ?? "unknown")"
        out += status.alertsOpen.map { ", firing: \($0)" } ?? ""
        out += "\n"
        for hook in status.hooks ?? [] where hook.consecutiveFailures > 0 || hook.pending > 0 {
            out += "hook \(hook.name): \(hook.pending) pending, \(hook.delivered) delivered"
            if hook.consecutiveFailures > 0 {
                out += ", FAILING since \(hook.failingSince ?? "?") (\(hook.consecutiveFailures) attempts in a row): "
                    + (hook.lastError ?? "unknown error")
            }
            out += "\n"
        }
        return out
    }
}
