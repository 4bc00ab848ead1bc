#if canImport(Glibc)
import Glibc
#endif
import CModbus
import SMTQCore

/// A Modbus TCP connection's socket, waited on with poll(). Written by hand because libmodbus 3.1.x waits with
/// select(), and glibc aborts the whole process ("bit out of range 0 - FD_SETSIZE on fd_set") as soon as a
/// descriptor number reaches 1024: a daemon polling a thousand TCP devices has that many connections. Answers
/// are framed by their MBAP header (length at bytes 4–5); what they say is checked by ModbusTCPExchange.
/// Failures leave errno set, as libmodbus does, for `ModbusError.current`.
final class ModbusTCPSocket {
    let host: String
    let port: Int
    private(set) var descriptor: Int32 = -1
    /// The most time allowed between two bytes of one answer (libmodbus's default byte timeout).
    var byteTimeout: Duration = .milliseconds(500)
    /// Set when the last `receive` failed with part of a frame read or an impossible length: what follows on
    /// the stream can no longer be told apart from the next answer, so the connection must be closed.
    private(set) var isOutOfStep = false
    /// Why the last `open` failed when it was not a socket error (the name did not resolve, no answer in time).
    private(set) var openProblem: String?

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    deinit { close() }

    var isOpen: Bool { descriptor >= 0 }

    /// Connects to the first address of `host` that accepts within `timeout`.
    func open(timeout: Duration) -> Bool {
        close()
        openProblem = nil
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var found: UnsafeMutablePointer<addrinfo>?
        let lookup = getaddrinfo(host, String(port), &hints, &found)
        guard lookup == 0, let first = found else {
            openProblem = "cannot resolve \(host): \(String(cString: gai_strerror(lookup))); check the host name"
            errno = EHOSTUNREACH
            return false
        }
        defer { freeaddrinfo(first) }
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        var failure = ECONNREFUSED
        while let address = candidate {
            candidate = address.pointee.ai_next
            let socket = Glibc.socket(address.pointee.ai_family, Int32(SOCK_STREAM.rawValue | SOCK_CLOEXEC.rawValue | SOCK_NONBLOCK.rawValue), 0)
            guard socket >= 0 else { failure = errno; continue }
            if Glibc.connect(socket, address.pointee.ai_addr, address.pointee.ai_addrlen) != 0 {
                guard errno == EINPROGRESS, wait(socket, for: Int16(POLLOUT), milliseconds: Self.milliseconds(timeout)) else {
                    failure = errno
                    if failure == ETIMEDOUT {
                        openProblem = "no answer to the connection within \(Self.milliseconds(timeout)) ms; is the device on and reachable"
                    }
                    Glibc.close(socket)
                    continue
                }
                var problem: Int32 = 0
                var size = socklen_t(MemoryLayout<Int32>.size)
                getsockopt(socket, SOL_SOCKET, SO_ERROR, &problem, &size)
                guard problem == 0 else {
                    failure = problem
                    Glibc.close(socket)
                    continue
                }
            }
            var on: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            descriptor = socket
            return true
        }
        errno = failure
        return false
    }

    func close() {
        guard descriptor >= 0 else { return }
        Glibc.close(descriptor)
        descriptor = -1
    }

    /// Sends all of `bytes` (a request is far below the socket's buffer, so this does not wait in practice).
    func send(_ bytes: [UInt8], timeout: Duration) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.send(descriptor, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL)) }
            if written > 0 {
                offset += written
            } else if written < 0, errno == EINTR {
                continue
            } else if written < 0, errno == EAGAIN || errno == EWOULDBLOCK {
                guard wait(descriptor, for: Int16(POLLOUT), milliseconds: Self.milliseconds(timeout)) else { return false }
            } else {
                if written == 0 { errno = ECONNRESET }
                return false
            }
        }
        return true
    }

    /// Reads one frame into `buffer` (at least 260 bytes): the 7-byte MBAP header, then as many bytes as its
    /// length field says. The first byte may take `responseTimeout`, each later one `byteTimeout`. Returns the
    /// frame's size, or -1 with errno set (ETIMEDOUT, ECONNRESET, or EMBBADDATA for an impossible length).
    func receive(into buffer: inout [UInt8], responseTimeout: Duration) -> Int {
        var have = 0
        var need = 7
        isOutOfStep = false
        while have < need {
            let limit = have == 0 ? responseTimeout : byteTimeout
            guard wait(descriptor, for: Int16(POLLIN), milliseconds: Self.milliseconds(limit)) else {
                isOutOfStep = have > 0
                return -1
            }
            let received = buffer.withUnsafeMutableBytes { Glibc.recv(descriptor, $0.baseAddress! + have, need - have, 0) }
            if received > 0 {
                have += received
                if have == 7, need == 7 {
                    let length = Int(buffer[4]) << 8 | Int(buffer[5])
                    // The unit id and at least a function code; at most a full PDU (253 bytes) behind the unit id.
                    guard (2...254).contains(length), 6 + length <= buffer.count else {
                        isOutOfStep = true
                        errno = Int32(MODBUS_ENOBASE) + 13  // EMBBADDATA
                        return -1
                    }
                    need = 6 + length
                }
            } else if received < 0, errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK {
                continue
            } else {
                if received == 0 { errno = ECONNRESET }
                return -1
            }
        }
        return have
    }

    /// Reads and drops whatever is waiting on the socket now (after a bad or late answer); errno is kept.
    func drain() {
        let code = errno
        var scrap = [UInt8](repeating: 0, count: 512)
        while isOpen, scrap.withUnsafeMutableBytes({ Glibc.recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_DONTWAIT)) }) > 0 {}
        errno = code
    }

    /// Waits until `socket` is ready for `events`; false with errno set (ETIMEDOUT after the time, or poll's).
    private func wait(_ socket: Int32, for events: Int16, milliseconds: Int32) -> Bool {
        var entry = pollfd(fd: socket, events: events, revents: 0)
        while true {
            let ready = poll(&entry, 1, milliseconds)
            if ready > 0 { return true }
            if ready == 0 {
                errno = ETIMEDOUT
                return false
            }
            if errno != EINTR { return false }
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        Int32(clamping: max(1, duration.totalMilliseconds))
    }
}
