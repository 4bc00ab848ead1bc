import Foundation
import Hummingbird
import Logging
import SMTQConfig
import SMTQCore

/// Who a request is, or why it is refused.
public enum AccessDecision: Sendable, Equatable {
    case allowed(Viewer)
    /// No token where one is needed, or a token that is not valid: 401, with no data.
    case denied(String)
}

/// Decides who a request is. A token comes as `Authorization: Bearer …`, the `smtq_token` cookie (set by the
/// login form or a `?token=` link) or `?token=`. The plant token (from a file or the environment) sees
/// everything; a customer token (its SHA-256 in the database, made by `smtq customer token`) sees only its
/// products. Without a token, a server on loopback answers as the plant and any other refuses. A token that
/// is given but wrong is refused everywhere.
public final class AccessGate: Sendable {
    public static let cookie = "smtq_token"

    private let loopback: Bool
    private let plantHash: String?
    private let customerTokens: (@Sendable () async throws -> [String: String])?
    private let configuration: @Sendable () -> SMTQConfig.Configuration
    private let logger: Logger

    private struct Cache {
        var hashes: [String: String] = [:]
        var readAt: Date = .distantPast
    }
    private let cache = Locked(Cache())

    /// `customerTokens` reads the live tokens' hashes by customer (nil: no customer access, e.g. without
    /// the dashboard).
    public init(http: HTTPConfig, configuration: @escaping @Sendable () -> SMTQConfig.Configuration,
                customerTokens: (@Sendable () async throws -> [String: String])?, logger: Logger) {
        loopback = http.isLoopback
        self.configuration = configuration
        self.customerTokens = customerTokens
        self.logger = logger
        var plant: String?
        if let source = http.plantToken {
            switch source.load("the plant token") {
            case let .success(token): plant = AccessToken.hash(token)
            case let .failure(problem):
                logger.error("the plant token cannot be read; only customer tokens open the dashboard",
                             metadata: ["problem": "\(problem.message)", "fix": "check http.plant_token_file or plant_token_env, then restart"])
            }
        }
        plantHash = plant
        if !loopback, plant == nil {
            logger.warning("the HTTP server listens beyond loopback without a plant token: status and the plant's pages answer 401",
                           metadata: ["fix": "set http.plant_token_file or http.plant_token_env"])
        }
    }

    /// Whether a plant token is configured (then acknowledging needs it, also on loopback).
    public var hasPlantToken: Bool { plantHash != nil }

    /// The token a request carries, from the header, the cookie or the query.
    public static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization], header.lowercased().hasPrefix("bearer ") {
            return String(header.dropFirst(7)).trimmingCharacters(in: .whitespaces)
        }
        if let query = request.uri.queryParameters.get("token"), !query.isEmpty { return String(query) }
        if let cookie = request.cookies[cookie]?.value, !cookie.isEmpty { return cookie }
        return nil
    }

    public func decide(_ request: Request) async -> AccessDecision {
        await decide(token: Self.token(in: request))
    }

    public func decide(token: String?) async -> AccessDecision {
        guard let token else {
            return loopback ? .allowed(.plant) : .denied("This dashboard needs a token: the plant's, or one made with 'smtq customer token'.")
        }
        return await decide(hash: AccessToken.hash(token))
    }

    /// The decision for a token known by its SHA-256 (an open stream's, checked again while it is open).
    func decide(hash: String) async -> AccessDecision {
        if let plantHash, AccessToken.same(hash, plantHash) { return .allowed(.plant) }
        if let name = await customer(for: hash), let customer = configuration().customers[name] {
            return .allowed(.customer(customer))
        }
        return .denied("The token is not valid (revoked, mistyped, or its customer is no longer configured).")
    }

    /// A hash's customer: from the cached table, read again at most once a second (a new token works at
    /// once; guessing costs no more than one read a second).
    private func customer(for hash: String) async -> String? {
        guard let customerTokens else { return nil }
        let (known, stale) = cache.withLock { cache in (cache.hashes[hash], Date().timeIntervalSince(cache.readAt) > 1) }
        if known != nil, !stale { return known }
        guard stale else { return nil }
        do {
            let hashes = try await customerTokens()
            cache.withLock { $0 = Cache(hashes: hashes, readAt: Date()) }
            return hashes[hash]
        } catch {
            logger.warning("cannot read customer tokens", metadata: ["problem": "\(error)"])
            return known
        }
    }
}
