#if canImport(Glibc)
import Glibc
#endif
import CModbus

/// A failed Modbus operation: which device, what was being done, and why (errno or Modbus exception).
public struct ModbusError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// No (complete) answer within the response or byte timeout.
        case timeout
        /// The device answered with a Modbus exception (1 illegal function, 2 illegal address, 6 busy …).
        case exception(code: Int)
        /// A frame with a wrong CRC (RTU).
        case crc
        /// A malformed or unexpected answer (wrong length, unit id, transaction id …).
        case badData
        /// The connection could not be made or was lost.
        case connection
        /// Anything else, by errno.
        case other
    }

    public var device: String
    public var operation: String
    public var kind: Kind
    /// errno as libmodbus left it.
    public var code: Int32
    public var message: String

    public init(device: String, operation: String, kind: Kind, code: Int32, message: String) {
        self.device = device
        self.operation = operation
        self.kind = kind
        self.code = code
        self.message = message
    }

    public var description: String { "\(device): \(operation) failed: \(message)" }

    /// The error libmodbus left in errno after a failed call.
    static func current(device: String, operation: String) -> ModbusError {
        let code = errno
        let message = String(cString: modbus_strerror(code))
        let base = Int32(MODBUS_ENOBASE)
        let kind: Kind
        switch code {
        case ETIMEDOUT: kind = .timeout
        case base + 1...base + 11: kind = .exception(code: Int(code - base))
        case base + 12: kind = .crc
        case base + 13...base + 17: kind = .badData
        case ECONNREFUSED, ECONNRESET, EPIPE, EHOSTUNREACH, ENETUNREACH, ENOTCONN, EBADF, ENOENT, EACCES, EIO, ENXIO,
             ENODEV, ECONNABORTED:
            kind = .connection
        default: kind = .other
        }
        return ModbusError(device: device, operation: operation, kind: kind, code: code, message: message)
    }
}
