import SMTQStore

/// `smtq events`: device names resolved against the store's devices, so that a name it has never seen is
/// refused with the known ones rather than giving an empty list.
public enum EventsQuery {
    /// The store ids of the devices `names`, in the same order; throws `UnknownFilterValue` for an unknown one.
    public static func deviceIDs(_ db: any SQLReader, names: [String]) throws -> [Int64] {
        guard !names.isEmpty else { return [] }
        let devices = try Identities(db).devices
        return try names.map { name in
            guard let id = devices.first(where: { $0.value == name })?.key else {
                throw UnknownFilterValue(option: "--device", value: name, known: devices.values.sorted())
            }
            return id
        }
    }
}
