/// Central ids of a line host's rows: the host's number in the high bits, the local id in the low 40, so every
/// (site, host, local id) is one integer and the reports' joins on ids work unchanged.
public enum CentralKey {
    static let localBits: Int64 = 40

    public static func id(host: Int32, local: Int64) -> Int64 {
        (Int64(host) << localBits) | local
    }

    public static func local(_ id: Int64) -> Int64 { id & ((1 << localBits) - 1) }

    /// Host numbers that fit the 23 bits above the local id (a bigint's sign bit stays clear).
    public static let maximumHosts: Int64 = 1 << 23

    /// Whether a local id fits (every id a store will reach: 2^40 is a million units a second for 12 days… years).
    static func fits(_ local: Int64) -> Bool { local >= 0 && local < (1 << localBits) }
}
