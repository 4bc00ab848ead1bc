#if canImport(Glibc)
import Glibc
#endif
import CModbus
import SMTQCore

/// A request a server received: its unit id, function, first address, and for writes the values.
public struct ServerRequest: Sendable {
    public var unit: Int
    public var function: Int
    public var address: Int
    public var count: Int
    public var writtenValues: [UInt16]
}

/// The server side of libmodbus for device simulators: a TCP listener with any number of clients, or a
/// serial port, answering requests for several unit ids from their register mappings.
///
/// libmodbus's RTU server answers one unit id per context and drops other requests while receiving, so on a
/// serial port the requests are framed here (by function code, CRC-checked) and each is handed to
/// `modbus_reply` with the mapping of its unit id. That is how several simulated devices share one RS-485 bus.
public final class ModbusServer {
    public enum Fault: Sendable {
        /// Answer nothing (the client times out).
        case silence
        /// Answer with a Modbus exception code.
        case exception(Int)
        /// Answer with random bytes.
        case garbage
        /// Close the client's connection (TCP).
        case disconnect
    }

    private let context: OpaquePointer
    private let isRTU: Bool
    private var listener: Int32 = -1
    private var clients: [Int32] = []
    private var rtuBuffer: [UInt8] = []

    /// Listens on `host:port` (TCP).
    public init(listenHost host: String, port: Int) throws(ModbusError) {
        guard let context = modbus_new_tcp_pi(host, String(port)) else {
            throw ModbusError.current(device: "simulator", operation: "creating a TCP server on \(host):\(port)")
        }
        self.context = context
        isRTU = false
        listener = modbus_tcp_pi_listen(context, 64)
        guard listener >= 0 else {
            let error = ModbusError.current(device: "simulator", operation: "listening on \(host):\(port)")
            modbus_free(context)
            throw error
        }
    }

    /// Opens a serial port (RTU).
    public init(serial settings: SerialLine) throws(ModbusError) {
        guard let context = modbus_new_rtu(settings.port, Int32(settings.baud), settings.parityCode,
                                           Int32(settings.dataBits), Int32(settings.stopBits)) else {
            throw ModbusError.current(device: "simulator", operation: "opening \(settings.port)")
        }
        self.context = context
        isRTU = true
        modbus_set_slave(context, 1)
        guard modbus_connect(context) == 0 else {
            let error = ModbusError.current(device: "simulator", operation: "opening \(settings.port)")
            modbus_free(context)
            throw error
        }
    }

    /// Serves RTU frames on a descriptor that is already open: a stream standing in for a serial port (one
    /// end of a socketpair, as the fuzz target in Fuzz/ uses). The server closes it. A stream delivers a
    /// request whole, so libmodbus's wait before it drops the rest of a bad one (its response timeout, 0.5 s)
    /// is cut to a millisecond.
    public init(serialStream descriptor: Int32) throws(ModbusError) {
        guard let context = modbus_new_rtu("/dev/null", 19_200, CChar(UInt8(ascii: "N")), 8, 1) else {
            let error = ModbusError.current(device: "simulator", operation: "serving descriptor \(descriptor)")
            Glibc.close(descriptor)
            throw error
        }
        self.context = context
        isRTU = true
        modbus_set_slave(context, 1)
        modbus_set_socket(context, descriptor)
        modbus_set_response_timeout(context, 0, 1000)
    }

    deinit {
        for client in clients { Glibc.close(client) }
        if listener >= 0 { Glibc.close(listener) }
        modbus_close(context)
        modbus_free(context)
    }

    /// Waits up to `timeoutMilliseconds` for requests and answers each: `route` gives the mapping of a unit id
    /// (nil: not served, no answer) and may ask for a fault; `answered` is told about every answered request.
    public func serve(timeoutMilliseconds: Int32,
                      route: (ServerRequest) -> (mapping: RegisterMapping?, fault: Fault?, delay: Duration),
                      answered: (ServerRequest) -> Void) {
        var descriptors: [pollfd] = []
        if isRTU {
            descriptors.append(pollfd(fd: modbus_get_socket(context), events: Int16(POLLIN), revents: 0))
        } else {
            descriptors.append(pollfd(fd: listener, events: Int16(POLLIN), revents: 0))
            descriptors += clients.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        }
        guard poll(&descriptors, nfds_t(descriptors.count), timeoutMilliseconds) > 0 else { return }
        if isRTU {
            if descriptors[0].revents != 0 { serveSerial(route: route, answered: answered) }
            return
        }
        if descriptors[0].revents & Int16(POLLIN) != 0 {
            var socket = listener
            let client = modbus_tcp_pi_accept(context, &socket)
            if client >= 0 { clients.append(client) }
        }
        for descriptor in descriptors.dropFirst() where descriptor.revents != 0 {
            serveClient(descriptor.fd, route: route, answered: answered)
        }
    }

    private func serveClient(_ client: Int32, route: (ServerRequest) -> (mapping: RegisterMapping?, fault: Fault?, delay: Duration),
                             answered: (ServerRequest) -> Void) {
        modbus_set_socket(context, client)
        var query = [UInt8](repeating: 0, count: Int(MODBUS_TCP_MAX_ADU_LENGTH))
        let length = modbus_receive(context, &query)
        guard length > 0 else {
            if length < 0 { disconnect(client) }
            return
        }
        let request = Self.parse(query, headerLength: 7)
        handle(request, frame: query, length: Int(length), socket: client, route: route, answered: answered)
    }

    private func serveSerial(route: (ServerRequest) -> (mapping: RegisterMapping?, fault: Fault?, delay: Duration),
                             answered: (ServerRequest) -> Void) {
        let socket = modbus_get_socket(context)
        var chunk = [UInt8](repeating: 0, count: 512)
        let count = read(socket, &chunk, chunk.count)
        guard count > 0 else { return }
        rtuBuffer += chunk[..<count]
        while let length = Self.rtuRequestLength(rtuBuffer) {
            guard rtuBuffer.count >= length else { return }
            let frame = Array(rtuBuffer[..<length])
            rtuBuffer.removeFirst(length)
            guard CRC16.modbus(frame[..<(length - 2)]) == UInt16(frame[length - 2]) | UInt16(frame[length - 1]) << 8 else {
                rtuBuffer.removeAll()
                return
            }
            let request = Self.parse(frame, headerLength: 1)
            modbus_set_slave(context, Int32(request.unit))
            handle(request, frame: frame, length: length, socket: socket, route: route, answered: answered)
        }
        if !rtuBuffer.isEmpty, Self.rtuRequestLength(rtuBuffer) == nil, rtuBuffer.count >= 2 { rtuBuffer.removeAll() }
    }

    private func handle(_ request: ServerRequest, frame: [UInt8], length: Int, socket: Int32,
                        route: (ServerRequest) -> (mapping: RegisterMapping?, fault: Fault?, delay: Duration),
                        answered: (ServerRequest) -> Void) {
        let (mapping, fault, delay) = route(request)
        guard let mapping else { return }
        if delay > .zero { usleep(UInt32(delay.totalMilliseconds * 1000)) }
        switch fault {
        case .silence?:
            return
        case let .exception(code)?:
            _ = modbus_reply_exception(context, frame, UInt32(code))
            return
        case .garbage?:
            let bytes = (0..<Int.random(in: 3...12)).map { _ in UInt8.random(in: 0...255) }
            _ = write(socket, bytes, bytes.count)
            return
        case .disconnect?:
            disconnect(socket)
            return
        case nil:
            break
        }
        if modbus_reply(context, frame, Int32(length), mapping.mapping) >= 0 {
            answered(request)
        } else if !isRTU {
            disconnect(socket)
        }
    }

    private func disconnect(_ client: Int32) {
        guard !isRTU else { return }
        Glibc.close(client)
        clients.removeAll { $0 == client }
    }

    /// Closes every client connection (a simulated reboot or network drop).
    public func dropClients() {
        for client in clients { Glibc.close(client) }
        clients.removeAll()
    }

    static func parse(_ frame: [UInt8], headerLength: Int) -> ServerRequest {
        let unit = Int(frame[headerLength - 1])
        let function = Int(frame[headerLength])
        let address = Int(frame[headerLength + 1]) << 8 | Int(frame[headerLength + 2])
        var count = 1
        var values: [UInt16] = []
        switch function {
        case 1, 2, 3, 4, 15:
            count = Int(frame[headerLength + 3]) << 8 | Int(frame[headerLength + 4])
        case 6:
            values = [UInt16(frame[headerLength + 3]) << 8 | UInt16(frame[headerLength + 4])]
        case 16:
            count = Int(frame[headerLength + 3]) << 8 | Int(frame[headerLength + 4])
            values = (0..<count).map { index in
                let offset = headerLength + 6 + index * 2
                return offset + 1 < frame.count ? UInt16(frame[offset]) << 8 | UInt16(frame[offset + 1]) : 0
            }
        default:
            break
        }
        return ServerRequest(unit: unit, function: function, address: address, count: count, writtenValues: values)
    }

    /// The length of the RTU request at the start of `buffer`, when its function code tells it.
    static func rtuRequestLength(_ buffer: [UInt8]) -> Int? {
        guard buffer.count >= 2 else { return nil }
        switch buffer[1] {
        case 1, 2, 3, 4, 5, 6: return 8
        case 15, 16: return buffer.count >= 7 ? 9 + Int(buffer[6]) : Int.max
        default: return nil
        }
    }
}

/// The Modbus RTU CRC (polynomial 0xA001, initial 0xFFFF), for framing requests on a shared serial port.
public enum CRC16 {
    public static func modbus(_ bytes: some Sequence<UInt8>) -> UInt16 {
        var crc: UInt16 = 0xFFFF
        for byte in bytes {
            crc ^= UInt16(byte)
            for _ in 0..<8 {
                crc = crc & 1 == 1 ? (crc >> 1) ^ 0xA001 : crc >> 1
            }
        }
        return crc
    }
}
