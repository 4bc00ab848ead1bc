import CModbus

/// Facts about the libmodbus this process is linked against.
public enum ModbusLibrary {
    /// The runtime version of libmodbus, e.g. `3.1.6` (read from the shared library, not the headers).
    public static var version: String {
        "\(libmodbus_version_major).\(libmodbus_version_minor).\(libmodbus_version_micro)"
    }
}
