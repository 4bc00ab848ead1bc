#if canImport(Glibc)
import Glibc
#endif
import CModbus

/// Modbus TCP requests built and answers checked here rather than by libmodbus's client functions, written by
/// hand because libmodbus's TCP client checks an answer's transaction and protocol id but not its unit id (a
/// gateway that answers for the wrong serial device behind it would pass, with that device's data), and
/// refuses unit ids a gateway may need (0 and 248…255). The socket (connecting, waiting, framing by the MBAP
/// header) is ModbusTCPSocket's; this code builds the request and checks every field of the answer.
extension ModbusConnection {
    /// Sends one request PDU (`function`, `address` and `second` as two bytes each, then `tail`) with a fresh
    /// transaction id, and returns where the answer's data is: `answerFrame[8..<end]` (the bytes after the
    /// function code). An answer to an earlier, abandoned request (it came after its timeout) is skipped; a
    /// Modbus exception, another unit, function or transaction is an error. `operation` is only built for an
    /// error: a poll builds no text.
    func tcpExchange(function: UInt8, address: Int, second: Int, tail: [UInt8] = [], name: String,
                     operation: @autoclosure () -> String) throws(ModbusError) -> Int {
        transactionID &+= 1
        let sent = transactionID
        let length = 6 + tail.count
        requestFrame.removeAll(keepingCapacity: true)
        func append(_ word: Int) {
            requestFrame.append(UInt8(truncatingIfNeeded: word >> 8))
            requestFrame.append(UInt8(truncatingIfNeeded: word))
        }
        append(Int(sent))
        append(0)
        append(length)
        requestFrame.append(UInt8(truncatingIfNeeded: unit))
        requestFrame.append(function)
        append(address)
        append(second)
        requestFrame.append(contentsOf: tail)
        guard let socket, socket.isOpen else {
            errno = ENOTCONN
            throw ModbusError.current(device: name, operation: operation())
        }
        guard socket.send(requestFrame, timeout: responseTimeout) else { throw ModbusError.current(device: name, operation: operation()) }
        for _ in 0..<8 {
            let received = socket.receive(into: &answerFrame, responseTimeout: responseTimeout)
            guard received >= 0 else {
                let error = ModbusError.current(device: name, operation: operation())
                // Part of a frame, or one with an impossible length: the next bytes cannot be framed; start over.
                if socket.isOutOfStep { close() }
                throw error
            }
            let count = Int(received)
            guard count >= 9 else { throw bad(name, operation(), "an answer of \(count) bytes") }
            let answer = answerFrame
            let transaction = UInt16(answer[0]) << 8 | UInt16(answer[1])
            if transaction != sent {
                // An answer to one of the last requests, which timed out before it came: skip it.
                if sent &- transaction < 64 { continue }
                throw bad(name, operation(), "an answer to transaction \(transaction), expected \(sent)")
            }
            guard answer[2] == 0, answer[3] == 0 else { throw bad(name, operation(), "an answer that is not Modbus (protocol id)") }
            guard Int(answer[6]) == unit else {
                throw bad(name, operation(), "an answer from unit \(answer[6]), asked unit \(unit)")
            }
            if answer[7] == function | 0x80 {
                let code = Int32(answer[8])
                // libmodbus's texts for the standard codes 1…11; any other code is still an exception.
                let message = (1...11).contains(code) ? String(cString: modbus_strerror(Int32(MODBUS_ENOBASE) + code))
                    : "Modbus exception \(code)"
                throw ModbusError(device: name, operation: operation(), kind: .exception(code: Int(code)),
                                  code: Int32(MODBUS_ENOBASE) + code, message: message)
            }
            guard answer[7] == function else {
                throw bad(name, operation(), "an answer to function \(answer[7]), asked function \(function)")
            }
            return count
        }
        throw bad(name, operation(), "only answers to earlier requests")
    }

    /// Reads registers (functions 3, 4) or bits (1, 2) over TCP, the answer's length checked against the request.
    func tcpRead(_ table: ModbusTable, address: Int, count: Int, name: String) throws(ModbusError) -> [UInt16] {
        let function: UInt8 = switch table {
        case .coils: 1
        case .discrete: 2
        case .holding: 3
        case .input: 4
        }
        let end = try tcpExchange(function: function, address: address, second: count, name: name,
                                  operation: "reading \(table.rawValue) \(address)+\(count)")
        let registers = function >= 3
        let bytes = registers ? 2 * count : (count + 7) / 8
        let data = answerFrame
        guard end - 8 == 1 + bytes, Int(data[8]) == bytes else {
            throw bad(name, "reading \(table.rawValue) \(address)+\(count)", "an answer of \(max(0, end - 9)) data bytes (byte count \(data[8])), expected \(bytes)")
        }
        // (Not `init(unsafeUninitializedCapacity:)`: that one looks its generic metadata up at run time, on every read.)
        var values = [UInt16](repeating: 0, count: count)
        values.withUnsafeMutableBufferPointer { values in
            if registers {
                for index in 0..<count { values[index] = UInt16(data[9 + 2 * index]) << 8 | UInt16(data[10 + 2 * index]) }
            } else {
                for index in 0..<count { values[index] = UInt16((data[9 + index / 8] >> (index % 8)) & 1) }
            }
        }
        return values
    }

    /// Writes one register (function 6) or several (16) over TCP; the answer must echo the request.
    func tcpWrite(address: Int, values: [UInt16], name: String) throws(ModbusError) {
        guard (1...123).contains(values.count) else {
            throw bad(name, "writing registers \(address)+\(values.count)", "a Modbus write takes 1 to 123 registers")
        }
        let single = values.count == 1
        let operation = { single ? "writing register \(address)" : "writing registers \(address)+\(values.count)" }
        let second = single ? Int(values[0]) : values.count
        let tail = single ? [] : [UInt8(2 * values.count)] + Self.bytes(values)
        let end = try tcpExchange(function: single ? 6 : 16, address: address, second: second, tail: tail, name: name, operation: operation())
        // The answer echoes the address and the value (6) or the count (16).
        let echo = Self.bytes([UInt16(truncatingIfNeeded: address), UInt16(truncatingIfNeeded: second)])
        guard end - 8 == 4, Array(answerFrame[8..<12]) == echo else {
            throw bad(name, operation(), "an answer that does not confirm the write")
        }
    }

    private static func bytes(_ words: [UInt16]) -> [UInt8] { words.flatMap { [UInt8(($0 >> 8) & 0xFF), UInt8($0 & 0xFF)] } }

    private func bad(_ name: String, _ operation: String, _ message: String) -> ModbusError {
        ModbusError(device: name, operation: operation, kind: .badData, code: 0, message: message)
    }
}
