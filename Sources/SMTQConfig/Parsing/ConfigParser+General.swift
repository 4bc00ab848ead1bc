import Foundation
import SMTQCore

extension ConfigParser {
    func parseTime(timezone: ConfigNode?, shifts: ConfigNode?) -> TimeConfig? {
        var zone = "UTC"
        if let timezone, let name = timezone.nonEmptyString() {
            if TimeZone(identifier: name) == nil {
                timezone.error("unknown time zone '\(name)'", expected: "an IANA name such as Europe/Berlin or UTC")
            } else {
                zone = name
            }
        }
        var parsed: [ShiftConfig] = []
        if let items = shifts?.sequence() {
            for item in items {
                guard let map = item.mapping() else { continue }
                let name = map.required("name")?.nonEmptyString()
                let start = map.required("start", expected: "a time of day such as \"06:00\"").flatMap(timeOfDay)
                let end = map.required("end", expected: "a time of day such as \"14:00\"").flatMap(timeOfDay)
                map.finish()
                guard let name, let start, let end else { continue }
                if parsed.contains(where: { $0.name == name }) {
                    map.errorAtKey("name", "duplicate shift name '\(name)'", expected: "unique shift names")
                    continue
                }
                if start == end {
                    item.error("shift '\(name)' starts and ends at the same time", expected: "a shift of some length")
                    continue
                }
                let shift = ShiftConfig(name: name, startMinute: start, endMinute: end)
                if let other = parsed.first(where: { overlap($0, shift) }) {
                    item.error("shift '\(name)' overlaps shift '\(other.name)'", expected: "shifts that do not overlap")
                }
                parsed.append(shift)
            }
        }
        return TimeConfig(timeZone: zone, shifts: parsed)
    }

    private func overlap(_ a: ShiftConfig, _ b: ShiftConfig) -> Bool {
        (0..<1440).contains { a.contains(minuteOfDay: $0) && b.contains(minuteOfDay: $0) }
    }

    /// `HH:MM`, 24-hour clock, as minutes after midnight.
    private func timeOfDay(_ node: ConfigNode) -> Int? {
        guard let text = node.string() else { return nil }
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count <= 2, parts[1].count == 2, let hour = Int(parts[0]), let minute = Int(parts[1]),
           (0...23).contains(hour), (0...59).contains(minute) {
            return hour * 60 + minute
        }
        node.error("'\(text)' is not a time of day", expected: "HH:MM on a 24-hour clock, quoted, e.g. \"06:00\"")
        return nil
    }

    func parseStorage(_ node: ConfigNode) -> StorageConfig? {
        guard let map = node.mapping() else { return nil }
        defer { map.finish() }
        let database = map.required("database", expected: "a path such as /var/lib/smtq/smtq.sqlite")?.nonEmptyString()
        var retention: Duration?
        if let node = map.optional("retention"), node.string() != "forever" {
            retention = node.duration(minimum: .seconds(86_400))
        }
        let synchronous = map.optional("synchronous")?.choice(SynchronousMode.self)
        var maxRecords = 500
        var maxDelay = Duration.milliseconds(50)
        if let batch = map.optional("batch")?.mapping() {
            maxRecords = batch.optional("max_records")?.int(1...100_000) ?? maxRecords
            maxDelay = batch.optional("max_delay")?.duration() ?? maxDelay
            batch.finish()
        }
        let buffer = map.optional("memory_buffer")?.int(1_000...10_000_000) ?? 100_000
        guard let database else { return nil }
        return StorageConfig(
            databasePath: database == ":memory:" ? database : resolve(database),
            retention: retention, synchronous: synchronous ?? .normal, batchMaxRecords: maxRecords,
            batchMaxDelay: maxDelay, memoryBufferRecords: buffer)
    }

    func parseLines(_ node: ConfigNode) -> [LineConfig] {
        guard let map = node.mapping() else { return [] }
        var lines: [LineConfig] = []
        for (name, _, lineNode) in map.entries() {
            guard let lineMap = lineNode.mapping() else { continue }
            if let route = lineMap.required("route", expected: "the line's stations in process order")?.stringList() {
                if let repeated = route.first(where: { station in route.filter { $0 == station }.count > 1 }) {
                    lineNode.child(lineNode.node, key: "route").error(
                        "station '\(repeated)' appears twice in the route", expected: "each station once")
                }
                lines.append(LineConfig(name: name, route: route))
            }
            lineMap.finish()
        }
        return lines
    }

    /// `host:port`, `[v6]:port`.
    func hostAndPort(_ node: ConfigNode) -> (host: String, port: Int)? {
        guard let text = node.nonEmptyString() else { return nil }
        switch HostPort.parse(text) {
        case let .success(endpoint):
            return endpoint
        case let .failure(problem):
            node.error(problem.message, expected: problem.expected)
            return nil
        }
    }

    /// A fraction written as `0.985` or `98.5%`.
    func fraction(_ node: ConfigNode) -> Double? {
        guard let text = node.string() else { return nil }
        let expected = "a fraction from 0 to 1 or a percentage such as 98.5%"
        let value: Double?
        if text.hasSuffix("%") {
            value = Double(text.dropLast().trimmingWhitespace()).map { $0 / 100 }
        } else {
            value = Double(text)
        }
        guard let value, (0...1).contains(value) else {
            node.error("'\(text)' is not a fraction", expected: expected)
            return nil
        }
        return value
    }
}
