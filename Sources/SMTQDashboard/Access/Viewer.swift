import SMTQConfig

/// Who is looking: the plant (everything) or one customer (only its products, everywhere).
public enum Viewer: Sendable, Hashable {
    case plant
    case customer(CustomerConfig)

    /// The programs this viewer may see; nil: all.
    public var programs: [String]? {
        switch self {
        case .plant: nil
        case let .customer(customer): customer.products
        }
    }

    /// A stable name for grouping live streams: "plant" or "customer:NAME".
    var key: String {
        switch self {
        case .plant: "plant"
        case let .customer(customer): "customer:" + customer.name
        }
    }

    var isPlant: Bool { self == .plant }

    /// Whether a program's data is visible.
    func sees(program: String?) -> Bool {
        guard let programs else { return true }
        return program.map(programs.contains) ?? false
    }
}
