/// Forms subgroups from chart events, one event at a time, in time order. The same code serves stored data
/// (reports, baselines) and the live engine, so both form exactly the same subgroups.
public struct SubgroupBuilder: Sendable {
    public let rule: SubgroupRule
    private let clock: LocalClock?
    private var open: Subgroup?
    /// The end of the latest closed time bucket or shift: nothing before it is charted again.
    public private(set) var closedThrough: Int64 = .min
    /// Events older than the open subgroup, or than a closed one (they arrived after it had moved on):
    /// counted, not charted.
    public private(set) var lateEvents = 0
    /// Events outside every shift.
    public private(set) var unassignedEvents = 0

    public init(rule: SubgroupRule) {
        self.rule = rule
        switch rule {
        case let .every(_, zone), let .shifts(_, zone): clock = LocalClock(zone: zone)
        case .individuals, .count: clock = nil
        }
    }

    /// The subgroup still collecting events, if any.
    public var current: Subgroup? { open }

    /// Adds one event; returns the subgroup it closed (the previous bucket, or a completed count).
    public mutating func add(_ event: ChartEvent) -> Subgroup? {
        switch rule {
        case .individuals:
            guard event.value != nil else { return nil }
            var single = Subgroup(start: event.time, end: event.time)
            single.add(event)
            return single
        case let .count(size):
            if open == nil { open = Subgroup(start: event.time, end: event.time) }
            open!.add(event)
            open!.end = event.time
            let filled = open!.values.isEmpty ? open!.tests : open!.values.count
            guard filled >= size else { return nil }
            defer { open = nil }
            return open
        case .every, .shifts:
            if let current = open, event.time >= current.start, event.time < current.end {
                open!.add(event)
                return nil
            }
            if event.time < max(open?.start ?? .min, closedThrough) {
                lateEvents += 1
                return nil
            }
            guard var next = bucket(containing: event.time) else {
                unassignedEvents += 1
                return nil
            }
            next.add(event)
            let closed = open
            if let closed { closedThrough = max(closedThrough, closed.end) }
            open = next
            return closed
        }
    }

    /// Closes the open time bucket or shift once `now` is past its end (the live engine's clock).
    public mutating func close(ifEndedBy now: Int64) -> Subgroup? {
        guard case .count = rule else {
            guard let current = open, now >= current.end else { return nil }
            open = nil
            closedThrough = max(closedThrough, current.end)
            return current
        }
        return nil
    }

    /// Treats everything before `time` as closed (a rebuilt engine must not emit a bucket again that its
    /// predecessor closed); an open subgroup that ends by then is dropped.
    public mutating func markClosed(through time: Int64) {
        guard time > closedThrough else { return }
        closedThrough = time
        if let current = open, current.end <= time, !isCount { open = nil }
    }

    private var isCount: Bool {
        if case .count = rule { return true }
        return false
    }

    /// The open subgroup at the end of a stored series: a time bucket or shift counts as a point even if it
    /// has not ended; an incomplete count does not.
    public mutating func finish() -> Subgroup? {
        defer { open = nil }
        if case .count = rule { return nil }
        return open
    }

    private func bucket(containing time: Int64) -> Subgroup? {
        guard let clock else { return nil }
        switch rule {
        case let .every(length, _):
            let day = clock.day(containing: time)
            let start = day.start + (time - day.start) / length * length
            return Subgroup(start: start, end: min(start + length, day.end))
        case let .shifts(shifts, _):
            let minute = clock.minuteOfDay(time)
            guard let shift = shifts.first(where: { $0.contains(minuteOfDay: minute) }) else { return nil }
            let crosses = shift.startMinute >= shift.endMinute
            let startedYesterday = crosses && minute < shift.endMinute
            // Both ends from the local calendar, so a shift over a DST change is 7 or 9 hours long.
            let start = clock.time(minute: shift.startMinute, dayOffset: startedYesterday ? -1 : 0, from: time)
            let end = clock.time(minute: shift.endMinute, dayOffset: crosses && !startedYesterday ? 1 : 0, from: time)
            return Subgroup(start: start, end: end, shift: shift.name)
        case .individuals, .count:
            return nil
        }
    }
}

extension Subgroup {
    /// The chart input rows of these subgroups for a chart type (`Charts.types`), in the reference CSV format.
    public static func chartInput(_ subgroups: [Subgroup], type: String) -> ChartInput {
        switch type {
        case "p", "np": return ChartInput(header: ["defectives", "size"], rows: subgroups.map { [Double($0.fails), Double($0.tests)] })
        case "c": return ChartInput(header: ["count"], rows: subgroups.map { [Double($0.defects)] })
        case "u": return ChartInput(header: ["count", "size"], rows: subgroups.map { [Double($0.defects), Double($0.tests)] })
        case "xbar-r", "xbar-s":
            let size = subgroups.first?.values.count ?? 0
            return ChartInput(header: (1...max(1, size)).map { "x\($0)" }, rows: subgroups.map(\.values))
        default: return ChartInput(header: ["value"], rows: subgroups.map { [$0.values.first ?? .nan] })
        }
    }
}
