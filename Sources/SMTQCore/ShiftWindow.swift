/// A named shift by local minutes after midnight; `end` at or before `start` means it crosses midnight.
public struct ShiftWindow: Sendable, Hashable {
    public var name: String
    /// Minutes after local midnight.
    public var startMinute: Int
    public var endMinute: Int

    public init(name: String, startMinute: Int, endMinute: Int) {
        self.name = name
        self.startMinute = startMinute
        self.endMinute = endMinute
    }

    /// Whether a local time of day (minutes after midnight) falls in the shift.
    public func contains(minuteOfDay minute: Int) -> Bool {
        startMinute < endMinute
            ? (minute >= startMinute && minute < endMinute)
            : (minute >= startMinute || minute < endMinute)
    }
}
