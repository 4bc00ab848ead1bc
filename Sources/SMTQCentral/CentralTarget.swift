import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import SMTQConfig

/// Where the central PostgreSQL database is and how to log in: from `forward.postgres` or from `--db
/// postgresql://…` on the command line. The password is kept here and never printed.
public struct CentralTarget: Sendable {
    public var address: PostgresAddress
    var password: String?
    public var tls: CentralTLS
    public var caFile: String?

    /// From the configuration's `forward.postgres` (the password from its file or environment variable).
    public init(_ config: CentralConfig) throws {
        address = config.address
        tls = config.tls
        caFile = config.caFile
        if let source = config.password {
            switch source.load("the central database's password") {
            case let .success(secret): password = secret
            case let .failure(problem): throw CentralError(problem.message + "; forwarding needs it (forward.postgres)")
            }
        }
    }

    /// From a `--db postgresql://…` URL: the password from `passwordFile`, else `PGPASSWORD`, else the URL,
    /// else `configured` (the configuration's `forward.postgres`) when it names the same server and role; TLS
    /// from `?sslmode=`, else the configured one for that server, else off on this host and verify-full beyond
    /// it; the CA from `PGSSLROOTCERT`, else the configured `ca_file`.
    public init(url: String, passwordFile: String? = nil, configured: CentralConfig? = nil) throws {
        let parsed: PostgresAddress
        switch PostgresAddress.parse(url) {
        case let .success(address): parsed = address
        case let .failure(problem): throw CentralError(problem.message)
        }
        address = parsed
        let same = configured.flatMap { central in
            central.address.host == parsed.host && central.address.port == parsed.port && central.address.user == parsed.user
                ? central : nil
        }
        tls = parsed.tls ?? same?.tls ?? CentralConfig.defaultTLS(for: parsed.host)
        caFile = ProcessInfo.processInfo.environment["PGSSLROOTCERT"].flatMap { $0.isEmpty ? nil : $0 } ?? same?.caFile
        if let passwordFile {
            switch SecretSource.file(passwordFile).load("the central database's password") {
            case let .success(secret): password = secret
            case let .failure(problem): throw CentralError(problem.message)
            }
        } else if let secret = ProcessInfo.processInfo.environment["PGPASSWORD"], !secret.isEmpty {
            password = secret
        } else if let secret = address.urlPassword {
            password = secret
        } else if let source = same?.password {
            switch source.load("the central database's password") {
            case let .success(secret): password = secret
            case let .failure(problem): throw CentralError(problem.message)
            }
        }
    }

    func configuration() throws -> PostgresConnection.Configuration {
        let encryption: PostgresConnection.Configuration.TLS
        if tls == .disable {
            encryption = .disable
        } else {
            var settings = TLSConfiguration.makeClientConfiguration()
            switch tls {
            case .disable, .require: settings.certificateVerification = .none
            case .verifyCA: settings.certificateVerification = .noHostnameVerification
            case .verifyFull: settings.certificateVerification = .fullVerification
            }
            if let caFile { settings.trustRoots = .file(caFile) }
            do {
                encryption = .require(try NIOSSLContext(configuration: settings))
            } catch {
                throw CentralError("TLS setup for \(address) failed (ca_file \(caFile ?? "none")): \(error)")
            }
        }
        var configuration = PostgresConnection.Configuration(host: address.host, port: address.port, username: address.user,
                                                             password: password, database: address.database, tls: encryption)
        configuration.options.connectTimeout = .seconds(10)
        return configuration
    }

    /// Connects (async: the forwarder).
    public func connect(logger: Logger) async throws -> PostgresConnection {
        let configuration = try configuration()
        do {
            return try await PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                        id: 1, logger: logger)
        } catch {
            throw CentralError(describe(error))
        }
    }

    /// Connects from a thread that may block (the command line), waiting on the event loop's future.
    public func connectBlocking(logger: Logger) throws -> PostgresConnection {
        let configuration = try configuration()
        do {
            return try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration,
                                                  id: 1, logger: logger).wait()
        } catch {
            throw CentralError(describe(error))
        }
    }

    /// One line for a failure to reach, log in to or use the central database, naming it and what to do.
    public func describe(_ error: any Error) -> String {
        if let error = error as? CentralError { return error.message }
        let place = "central database \(address)"
        if let error = error as? PSQLError {
            if let info = error.serverInfo {
                let state = info[.sqlState] ?? ""
                let message = info[.message] ?? "error"
                switch state {
                case "28P01", "28000":
                    return "\(place): login refused for \(address.user) (\(message)); check the password (password_file, password_env or PGPASSWORD) and pg_hba.conf"
                case "3D000": return "\(place): \(message); create it (createdb) and run smtq central migrate"
                case "42P01", "42703": return "\(place): \(message); the central schema is missing or old: run smtq central migrate --db \(address)"
                case "42501": return "\(place): \(message); the role \(address.user) lacks the privilege"
                case "53100": return "\(place): the server's disk is full (\(message)); records stay on this host until it has room"
                default: return "\(place): \(message) (SQLSTATE \(state))"
                }
            }
            switch error.code {
            case .sslUnsupported:
                return "\(place) does not accept TLS; enable ssl on the server or set tls: disable (loopback or a trusted network only)"
            case .authMechanismRequiresPassword:
                return "\(place) asks for a password and none is given (password_file, password_env or PGPASSWORD)"
            case .connectionError, .serverClosedConnection, .uncleanShutdown, .clientClosedConnection:
                let cause = error.underlying.map { Self.shortCause($0) } ?? "connection lost"
                if let underlying = error.underlying, underlying is NIOSSLError || underlying is BoringSSLError || underlying is NIOSSLExtraError {
                    return "\(place): TLS failed (\(Self.tlsCause(underlying))); check ca_file (or PGSSLROOTCERT), the server's certificate and tls (\(tls.rawValue))"
                }
                return "\(place) unreachable (\(cause)); is the server up and listening there?"
            default:
                return "\(place): \(error.code) \(error.underlying.map { Self.shortCause($0) } ?? "")"
            }
        }
        if error is NIOSSLError || error is BoringSSLError || error is NIOSSLExtraError {
            return "\(place): TLS failed (\(Self.tlsCause(error))); check ca_file (or PGSSLROOTCERT), the server's certificate and tls (\(tls.rawValue))"
        }
        return "\(place): \(Self.shortCause(error))"
    }

    /// A TLS failure in a few words (BoringSSL's own text names source files of its build).
    static func tlsCause(_ error: any Error) -> String {
        let text = String(describing: error)
        if error is NIOSSLExtraError, text.contains("hostname") { return "the certificate does not name this host" }
        if text.contains("CERTIFICATE_VERIFY_FAILED") { return "the server's certificate is not trusted by the CA given" }
        if text.contains("WRONG_VERSION_NUMBER") || text.contains("UNSUPPORTED_PROTOCOL") { return "no common TLS version" }
        return "handshake failed"
    }

    static func shortCause(_ error: any Error) -> String {
        if let error = error as? IOError { return String(cString: strerror(error.errnoCode)).lowercased() }
        if let error = error as? NIOConnectionError {
            return error.connectionErrors.first.map { shortCause($0.error) } ?? error.dnsAError.map { "cannot resolve the host (\($0))" } ?? "connection failed"
        }
        return "\(error)"
    }
}

/// A central-database failure as one line for the user.
public struct CentralError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
