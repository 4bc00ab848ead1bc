#if canImport(Glibc)
import Glibc
#endif

/// Resolves a host name to its numeric addresses, to compare endpoints written differently
/// (`localhost`, `127.0.0.1`, `::1`). A numeric address is taken as it is; a name goes to the system
/// resolver (`getaddrinfo`, which reads /etc/hosts first); a name that does not resolve stands for itself.
enum HostResolver {
    static func addresses(of host: String) -> [String] {
        if let numeric = numeric(host) { return [numeric] }
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return [host.lowercased()] }
        defer { freeaddrinfo(first) }
        var found: Set<String> = []
        var entry: UnsafeMutablePointer<addrinfo>? = first
        while let current = entry {
            var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
            if getnameinfo(current.pointee.ai_addr, current.pointee.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0,
                           NI_NUMERICHOST) == 0 {
                found.insert(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
            }
            entry = current.pointee.ai_next
        }
        return found.isEmpty ? [host.lowercased()] : found.sorted()
    }

    /// A numeric IPv4 or IPv6 address in its canonical form, without asking a resolver.
    private static func numeric(_ host: String) -> String? {
        var buffer = [UInt8](repeating: 0, count: 16)
        var text = [CChar](repeating: 0, count: Int(INET6_ADDRSTRLEN))
        if inet_pton(AF_INET, host, &buffer) == 1, inet_ntop(AF_INET, buffer, &text, socklen_t(text.count)) != nil {
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        if inet_pton(AF_INET6, host, &buffer) == 1, inet_ntop(AF_INET6, buffer, &text, socklen_t(text.count)) != nil {
            return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        }
        return nil
    }
}
