/// One defect call on a unit: where (reference designator, part), what (code, category), and whether
/// review confirmed it.
public struct DefectRecord: Codable, Hashable, Sendable {
    /// Reference designator, e.g. `C12`.
    public var refdes: String?
    /// Part number, e.g. `CAP-0402-100N`.
    public var part: String?
    /// The machine's defect code, e.g. `BRIDGE`.
    public var code: String
    /// The defect category (bridge, insufficient solder, tombstone, …), from the device or the profile's map.
    public var category: String?
    public var verdict: DefectVerdict

    public init(refdes: String? = nil, part: String? = nil, code: String, category: String? = nil,
                verdict: DefectVerdict) {
        self.refdes = refdes
        self.part = part
        self.code = code
        self.category = category
        self.verdict = verdict
    }

    enum CodingKeys: String, CodingKey {
        case refdes, part, code, category, verdict
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        refdes = try container.decodeNonEmptyStringIfPresent(forKey: .refdes)
        part = try container.decodeNonEmptyStringIfPresent(forKey: .part)
        code = try container.decodeNonEmptyString(forKey: .code)
        category = try container.decodeNonEmptyStringIfPresent(forKey: .category)
        verdict = try container.decode(DefectVerdict.self, forKey: .verdict)
    }
}

/// The review verdict of a defect call: a real defect, or a false call (the machine flagged a good joint).
public enum DefectVerdict: String, Codable, Hashable, Sendable, CaseIterable {
    case real
    case falseCall = "false_call"

    public init(from decoder: any Decoder) throws {
        self = try decodeChoice(from: decoder, what: "verdict")
    }
}
