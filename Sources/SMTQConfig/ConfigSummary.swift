import SMTQCore

extension Configuration {
    /// A short human summary of what would be polled, for `smtq check-config` and the daemon's start log.
    public var summary: String {
        var lines: [String] = []
        var header = "time zone \(time.timeZone)"
        if let site { header = "site \(site), " + header }
        if !time.shifts.isEmpty { header += ", shifts " + time.shifts.map(\.name).joined(separator: "/") }
        lines.append(header)
        let retention = storage.retention.map { "retention " + DurationText.format($0) } ?? "kept forever"
        lines.append("database \(storage.databasePath) (\(retention), synchronous \(storage.synchronous.rawValue))")
        for line in self.lines {
            lines.append("line \(line.name): " + line.route.joined(separator: " → "))
        }
        lines.append("\(devices.count) device\(devices.count == 1 ? "" : "s"):")
        let nameWidth = devices.map(\.name.count).max() ?? 0
        for device in devices {
            var text = "  " + device.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            text += "  \(device.line)/\(device.station) \(device.kind.rawValue), \(device.transport) unit \(device.unitID)"
            text += ", every \(DurationText.format(device.pollInterval))"
            if let profile = profiles[device.profile] {
                text += ", profile \(profile.name) (\(profile.partsSummary): \(profile.registerSummary))"
            }
            lines.append(text)
        }
        for bus in serialBuses {
            lines.append("serial bus \(bus.name) (\(bus.settings)): " + bus.deviceNames.joined(separator: ", "))
        }
        var tail: [String] = []
        tail.append(count(products.count, "product"))
        tail.append(count(spc.charts.count, "chart"))
        tail.append(count(alerts.rules.count, "alert rule"))
        tail.append(count(alerts.hooks.count, "hook"))
        tail.append(http.map { "HTTP on \($0.host):\($0.port) (metrics at \($0.metricsPath)\($0.dashboard ? ", dashboard at /" : ""))" } ?? "no HTTP server")
        if !customers.isEmpty { tail.append(count(customers.count, "customer")) }
        lines.append(tail.joined(separator: ", "))
        if let central {
            lines.append("forwards to \(central.address) as \(central.site)/\(central.host) (tls \(central.tls.rawValue), batches of \(central.batchUnits))")
        }
        return lines.joined(separator: "\n")
    }

    private func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }
}

extension DeviceProfile {
    /// What a poll acquires, e.g. `fifo + 4 counters + 3 process values`.
    public var partsSummary: String {
        var parts: [String] = []
        if hasRecords { parts.append(mode.rawValue) }
        if !counters.isEmpty { parts.append("\(counters.count) counter\(counters.count == 1 ? "" : "s")") }
        if !processValues.isEmpty { parts.append("\(processValues.count) process value\(processValues.count == 1 ? "" : "s")") }
        return parts.joined(separator: " + ")
    }

    /// The registers a poll reads, e.g. `holding 0–2, 10–73; input 300–305`.
    public var registerSummary: String {
        var ranges: [RegisterTable: [Range<Int>]] = [:]
        if hasRecords {
            ranges[table, default: []] += [sequenceAddress, pendingAddress].compactMap { $0.map { $0..<($0 + 1) } }
            if let record { ranges[table, default: []].append(record.address..<(record.address + record.length)) }
        }
        for counter in counters { ranges[counter.table, default: []].append(counter.field.registers) }
        for value in processValues { ranges[value.table, default: []].append(value.field.registers) }
        let tables = RegisterTable.allCases.filter { ranges[$0] != nil }
        return tables.map { table in
            var merged: [Range<Int>] = []
            for range in ranges[table, default: []].sorted(by: { $0.lowerBound < $1.lowerBound }) {
                if let last = merged.last, range.lowerBound <= last.upperBound {
                    merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
                } else {
                    merged.append(range)
                }
            }
            let text = merged.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound - 1)" }
            return table.rawValue + " " + text.joined(separator: ", ")
        }.joined(separator: "; ")
    }
}
