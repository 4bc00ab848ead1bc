/// A serial line as libmodbus opens it (the configuration's port settings, mapped by its caller).
public struct SerialLine: Sendable, Hashable, CustomStringConvertible {
    public var port: String
    public var baud: Int
    /// `N`, `E` or `O`.
    public var parity: Character
    public var dataBits: Int
    public var stopBits: Int
    /// Switch the port's driver to RS-485 mode after opening it.
    public var rs485: Bool

    public init(port: String, baud: Int, parity: Character, dataBits: Int, stopBits: Int, rs485: Bool) {
        self.port = port
        self.baud = baud
        self.parity = parity
        self.dataBits = dataBits
        self.stopBits = stopBits
        self.rs485 = rs485
    }

    public var description: String { "\(port) \(baud) \(dataBits)\(parity)\(stopBits)\(rs485 ? " rs485" : "")" }

    /// libmodbus's parity argument.
    var parityCode: CChar { CChar(bitPattern: parity.asciiValue ?? 78) }
}

/// The four Modbus data tables.
public enum ModbusTable: String, Sendable, Hashable, CaseIterable {
    case holding, input, coils, discrete
}
