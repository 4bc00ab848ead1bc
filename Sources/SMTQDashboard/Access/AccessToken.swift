import Crypto
import Foundation

/// Dashboard tokens: 256 random bits, shown once, kept only as their SHA-256.
public enum AccessToken {
    /// A new token, `smtq_` and 43 URL-safe characters (the system's cryptographic random source).
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let text = Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return "smtq_" + text
    }

    /// The hex SHA-256 of a token, as stored and compared.
    public static func hash(_ token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether a token can travel in a cookie as it is: 8 to 512 of letters, digits and `-._~+/=` (what
    /// `generate` and base64 or hex secrets hold; never `;`, `,`, spaces or quotes).
    public static func fitsCookie(_ token: String) -> Bool {
        (8...512).contains(token.utf8.count) && token.utf8.allSatisfy { byte in
            (byte >= 48 && byte <= 57) || (byte >= 65 && byte <= 90) || (byte >= 97 && byte <= 122) || "-._~+/=".utf8.contains(byte)
        }
    }

    /// Compares two hashes in time independent of where they differ.
    static func same(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
