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
                text += ", profile \(profile.name) (\(profile.mode.rawValue): \(profile.registerSummary))"
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
        tail.append(metrics.map { "metrics on \($0.host):\($0.port)\($0.path)" } ?? "no metrics endpoint")
        lines.append(tail.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    private func count(_ value: Int, _ noun: String) -> String {
        "\(value) \(noun)\(value == 1 ? "" : "s")"
    }
}

extension DeviceProfile {
    /// The registers a poll reads, e.g. `holding 0–2 and 10–73`.
    public var registerSummary: String {
        var ranges: [Range<Int>] = []
        switch mode {
        case .counters:
            ranges = counters.map(\.field.registers)
        case .fifo, .mailbox:
            ranges = [sequenceAddress, pendingAddress].compactMap { $0.map { $0..<($0 + 1) } }
            if let record { ranges.append(record.address..<(record.address + record.length)) }
        }
        var merged: [Range<Int>] = []
        for range in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        let text = merged.map { $0.count == 1 ? "\($0.lowerBound)" : "\($0.lowerBound)–\($0.upperBound - 1)" }
        return table.rawValue + " " + text.joined(separator: ", ")
    }
}
