#if canImport(Glibc)
import Glibc
#endif
import CModbus

/// Modbus TCP requests built and answers checked here rather than by libmodbus's client functions, written by
/// hand because libmodbus's TCP client checks an answer's transaction and protocol id but not its unit id (a
/// gateway that answers for the wrong serial device behind it would pass, with that device's data), and
/// refuses unit ids a gateway may need (0 and 248…255). libmodbus still connects, times and frames the
/// answer (`modbus_receive_confirmation`); this code sends the request and checks every field of the answer.
extension ModbusConnection {
    /// Sends one request PDU (`function` + `body`) with a fresh transaction id and returns the answer's data
    /// (the bytes after the function code). An answer to an earlier, abandoned request (it came after its
    /// timeout) is skipped; a Modbus exception, another unit, function or transaction is an error.
    func tcpExchange(function: UInt8, body: [UInt8], name: String, operation: String) throws(ModbusError) -> [UInt8] {
        transactionID &+= 1
        let sent = transactionID
        let length = UInt16(2 + body.count)
        let frame: [UInt8] = [UInt8(sent >> 8), UInt8(sent & 0xFF), 0, 0, UInt8(length >> 8), UInt8(length & 0xFF),
                              UInt8(truncatingIfNeeded: unit), function] + body
        let socket = modbus_get_socket(context)
        var offset = 0
        while offset < frame.count {
            let written = frame[offset...].withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0, errno == EINTR { continue }
            if written == 0 { errno = ECONNRESET }
            guard written > 0 else { throw ModbusError.current(device: name, operation: operation) }
            offset += written
        }
        var answer = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        for _ in 0..<8 {
            let received = modbus_receive_confirmation(context, &answer)
            guard received >= 0 else { throw ModbusError.current(device: name, operation: operation) }
            let count = Int(received)
            guard count >= 9 else { throw bad(name, operation, "an answer of \(count) bytes") }
            let transaction = UInt16(answer[0]) << 8 | UInt16(answer[1])
            if transaction != sent {
                // An answer to one of the last requests, which timed out before it came: skip it.
                if sent &- transaction < 64 { continue }
                throw bad(name, operation, "an answer to transaction \(transaction), expected \(sent)")
            }
            guard answer[2] == 0, answer[3] == 0 else { throw bad(name, operation, "an answer that is not Modbus (protocol id)") }
            guard Int(answer[4]) << 8 | Int(answer[5]) == count - 6 else {
                // Framed by its function code, the answer disagrees with its own length: what is left of it
                // would be read as the next answer.
                modbus_flush(context)
                throw bad(name, operation, "an answer whose length field says \(Int(answer[4]) << 8 | Int(answer[5])) bytes, \(count - 6) came")
            }
            guard Int(answer[6]) == unit else {
                throw bad(name, operation, "an answer from unit \(answer[6]), asked unit \(unit)")
            }
            if answer[7] == function | 0x80 {
                let code = Int32(answer[8])
                // libmodbus's texts for the standard codes 1…11; any other code is still an exception.
                let message = (1...11).contains(code) ? String(cString: modbus_strerror(Int32(MODBUS_ENOBASE) + code))
                    : "Modbus exception \(code)"
                throw ModbusError(device: name, operation: operation, kind: .exception(code: Int(code)),
                                  code: Int32(MODBUS_ENOBASE) + code, message: message)
            }
            guard answer[7] == function else {
                throw bad(name, operation, "an answer to function \(answer[7]), asked function \(function)")
            }
            return Array(answer[8..<count])
        }
        throw bad(name, operation, "only answers to earlier requests")
    }

    /// Reads registers (functions 3, 4) or bits (1, 2) over TCP, the answer's length checked against the request.
    func tcpRead(_ table: ModbusTable, address: Int, count: Int, name: String) throws(ModbusError) -> [UInt16] {
        let function: UInt8 = switch table {
        case .coils: 1
        case .discrete: 2
        case .holding: 3
        case .input: 4
        }
        let operation = "reading \(table.rawValue) \(address)+\(count)"
        let data = try tcpExchange(function: function, body: Self.pair(address) + Self.pair(count), name: name, operation: operation)
        let registers = function >= 3
        let bytes = registers ? 2 * count : (count + 7) / 8
        guard data.count == 1 + bytes, Int(data[0]) == bytes else {
            throw bad(name, operation, "an answer of \(max(0, data.count - 1)) data bytes (byte count \(data.first ?? 0)), expected \(bytes)")
        }
        if registers {
            return (0..<count).map { UInt16(data[1 + 2 * $0]) << 8 | UInt16(data[2 + 2 * $0]) }
        }
        return (0..<count).map { UInt16((data[1 + $0 / 8] >> ($0 % 8)) & 1) }
    }

    /// Writes one register (function 6) or several (16) over TCP; the answer must echo the request.
    func tcpWrite(address: Int, values: [UInt16], name: String) throws(ModbusError) {
        let single = values.count == 1
        let operation = single ? "writing register \(address)" : "writing registers \(address)+\(values.count)"
        let words = values.flatMap { Self.pair(Int($0)) }
        let body = single ? Self.pair(address) + words : Self.pair(address) + Self.pair(values.count) + [UInt8(2 * values.count)] + words
        let data = try tcpExchange(function: single ? 6 : 16, body: body, name: name, operation: operation)
        guard data == Array(body.prefix(4)) else { throw bad(name, operation, "an answer that does not confirm the write") }
    }

    private static func pair(_ value: Int) -> [UInt8] { [UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)] }

    private func bad(_ name: String, _ operation: String, _ message: String) -> ModbusError {
        ModbusError(device: name, operation: operation, kind: .badData, code: 0, message: message)
    }
}
