/// One observation a stored or live chart is built from: a test result (or an aggregate of several, from the
/// store's rollups) with its counts, or one measurement value. Times are microseconds since 1970 UTC.
public struct ChartEvent: Sendable, Equatable {
    public var time: Int64
    /// Test events (1 for one result; more for an aggregate).
    public var tests: Int
    /// Failed test events: the defectives of p and np charts.
    public var fails: Int
    /// Real defects: the counts of c and u charts.
    public var defects: Int
    /// The measurement value, for variable charts.
    public var value: Double?

    public init(time: Int64, tests: Int = 1, fails: Int = 0, defects: Int = 0, value: Double? = nil) {
        self.time = time
        self.tests = tests
        self.fails = fails
        self.defects = defects
        self.value = value
    }
}

/// A chart point's data: the events of one time bucket, shift, run of units, or one individual value.
public struct Subgroup: Sendable, Equatable {
    /// The bucket or shift start (time buckets and shifts), else the first event's time.
    public var start: Int64
    /// The bucket or shift end (exclusive), else the last event's time.
    public var end: Int64
    /// The shift's name, for shift subgroups.
    public var shift: String?
    public var tests = 0
    public var fails = 0
    public var defects = 0
    public var values: [Double] = []

    public init(start: Int64, end: Int64, shift: String? = nil) {
        self.start = start
        self.end = end
        self.shift = shift
    }

    mutating func add(_ event: ChartEvent) {
        tests += event.tests
        fails += event.fails
        defects += event.defects
        if let value = event.value { values.append(value) }
    }
}
