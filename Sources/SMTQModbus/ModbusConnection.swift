#if canImport(Glibc)
import Glibc
#endif
import CModbus
import SMTQCore

/// One Modbus client connection: a TCP connection (ModbusTCPSocket, requests and answers in
/// ModbusTCPExchange) or a serial port (a libmodbus RTU context, `modbus_t`).
///
/// Not thread-safe, like libmodbus itself: create it on the thread that will use it, and use it only there.
/// Every call blocks up to the response timeout, which is why connections live on their own threads and
/// never on the Swift concurrency pool.
public final class ModbusConnection {
    public enum Endpoint: Sendable, Equatable, CustomStringConvertible {
        case tcp(host: String, port: Int)
        case rtu(SerialLine)

        public var description: String {
            switch self {
            case let .tcp(host, port): return "\(host):\(port)"
            case let .rtu(settings): return settings.description
            }
        }
    }

    public let endpoint: Endpoint
    /// libmodbus's context: the serial port's (RTU); for TCP it only holds the timeouts libmodbus would use.
    let context: OpaquePointer
    /// The TCP connection (nil for RTU).
    let socket: ModbusTCPSocket?
    /// How long an answer may take to begin.
    private(set) var responseTimeout: Duration
    public private(set) var isConnected = false
    /// The unit id of the next requests.
    private(set) var unit = 1
    /// The last Modbus TCP transaction id sent (ModbusTCPExchange).
    var transactionID: UInt16 = 0
    /// The request being sent and the answer being read (ModbusTCPExchange), kept so that a poll allocates
    /// neither.
    var requestFrame: [UInt8] = []
    var answerFrame = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
    private var isTCP: Bool { if case .tcp = endpoint { return true } else { return false } }

    /// Creates the context (nothing is opened yet).
    public init(endpoint: Endpoint, responseTimeout: Duration, name: String) throws(ModbusError) {
        self.endpoint = endpoint
        self.responseTimeout = responseTimeout
        let created: OpaquePointer?
        switch endpoint {
        case let .tcp(host, port):
            created = modbus_new_tcp_pi(host, String(port))
            socket = ModbusTCPSocket(host: host, port: port)
        case let .rtu(settings):
            socket = nil
            created = modbus_new_rtu(settings.port, Int32(settings.baud), settings.parityCode, Int32(settings.dataBits),
                                     Int32(settings.stopBits))
        }
        guard let created else { throw ModbusError.current(device: name, operation: "creating the context for \(endpoint)") }
        context = created
        setResponseTimeout(responseTimeout)
    }

    deinit {
        if isConnected, socket == nil { modbus_close(context) }
        modbus_free(context)
    }

    public func setResponseTimeout(_ timeout: Duration) {
        responseTimeout = timeout
        let microseconds = max(1000, timeout.totalMilliseconds * 1000)
        modbus_set_response_timeout(context, UInt32(microseconds / 1_000_000), UInt32(microseconds % 1_000_000))
    }

    /// The most time allowed between two bytes of one answer.
    public func setByteTimeout(_ timeout: Duration) {
        let microseconds = max(1000, timeout.totalMilliseconds * 1000)
        modbus_set_byte_timeout(context, UInt32(microseconds / 1_000_000), UInt32(microseconds % 1_000_000))
        socket?.byteTimeout = timeout
    }

    /// Opens the connection or port. Returns a warning when RS-485 mode was asked for and the port refused it
    /// (it then works in RS-232 mode).
    @discardableResult
    public func connect(name: String) throws(ModbusError) -> String? {
        guard !isConnected else { return nil }
        if let socket {
            guard socket.open(timeout: responseTimeout) else {
                var error = ModbusError.current(device: name, operation: "connecting to \(endpoint)")
                if let problem = socket.openProblem {
                    error.kind = .connection
                    error.message = problem
                }
                throw error
            }
            isConnected = true
            return nil
        }
        guard modbus_connect(context) == 0 else {
            throw ModbusError.current(device: name, operation: "connecting to \(endpoint)")
        }
        isConnected = true
        if case let .rtu(settings) = endpoint, settings.rs485 {
            if modbus_rtu_set_serial_mode(context, Int32(MODBUS_RTU_RS485)) != 0 {
                return "\(settings.port) does not support RS-485 mode (\(String(cString: strerror(errno)))); using it as configured by the driver"
            }
        }
        return nil
    }

    public func close() {
        guard isConnected else { return }
        if let socket { socket.close() } else { modbus_close(context) }
        isConnected = false
    }

    /// Selects the unit id (slave address) for the next requests.
    public func setUnit(_ unit: Int) {
        self.unit = unit
        if !isTCP { modbus_set_slave(context, Int32(unit)) }
    }

    /// Drops any bytes waiting on the line (after garbage or a timeout).
    public func flush() {
        if let socket { socket.drain() } else { _ = modbus_flush(context) }
    }

    /// Reads `count` registers (or bits, as 0/1 values) starting at protocol address `address`.
    public func read(_ table: ModbusTable, address: Int, count: Int, name: String) throws(ModbusError) -> [UInt16] {
        if isTCP { return try tcpRead(table, address: address, count: count, name: name) }
        switch table {
        case .holding, .input:
            var buffer = [UInt16](repeating: 0, count: count)
            let read = table == .holding
                ? modbus_read_registers(context, Int32(address), Int32(count), &buffer)
                : modbus_read_input_registers(context, Int32(address), Int32(count), &buffer)
            guard read == count else { throw failure(name, read, "reading \(table.rawValue) \(address)+\(count)") }
            return buffer
        case .coils, .discrete:
            var buffer = [UInt8](repeating: 0, count: count)
            let read = table == .coils
                ? modbus_read_bits(context, Int32(address), Int32(count), &buffer)
                : modbus_read_input_bits(context, Int32(address), Int32(count), &buffer)
            guard read == count else { throw failure(name, read, "reading \(table.rawValue) \(address)+\(count)") }
            return buffer.map(UInt16.init)
        }
    }

    /// Writes one holding register (function 6).
    public func write(register address: Int, value: UInt16, name: String) throws(ModbusError) {
        if isTCP { return try tcpWrite(address: address, values: [value], name: name) }
        guard modbus_write_register(context, Int32(address), value) == 1 else {
            throw ModbusError.current(device: name, operation: "writing register \(address)")
        }
    }

    /// Writes consecutive holding registers (function 16).
    public func write(registers address: Int, values: [UInt16], name: String) throws(ModbusError) {
        if isTCP { return try tcpWrite(address: address, values: values, name: name) }
        guard modbus_write_registers(context, Int32(address), Int32(values.count), values) == values.count else {
            throw ModbusError.current(device: name, operation: "writing registers \(address)+\(values.count)")
        }
    }

    private func failure(_ name: String, _ result: Int32, _ operation: String) -> ModbusError {
        if result >= 0 {
            return ModbusError(device: name, operation: operation, kind: .badData, code: 0,
                               message: "short answer (\(result) values)")
        }
        return ModbusError.current(device: name, operation: operation)
    }
}
