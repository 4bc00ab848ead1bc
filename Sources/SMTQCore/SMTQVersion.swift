/// The version of this smtq build.
public enum SMTQVersion {
    public static let current = "0.1.0"
}
