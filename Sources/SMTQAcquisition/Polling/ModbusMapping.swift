import SMTQConfig
import SMTQModbus

extension SerialLineSettings {
    /// The line as the libmodbus layer opens it.
    public var modbusLine: SerialLine {
        SerialLine(port: port, baud: baud, parity: parity.letter, dataBits: dataBits, stopBits: stopBits, rs485: mode == .rs485)
    }
}

extension RegisterTable {
    /// The table as the libmodbus layer reads it.
    public var modbusTable: ModbusTable {
        switch self {
        case .holding: return .holding
        case .input: return .input
        case .coils: return .coils
        case .discrete: return .discrete
        }
    }
}
