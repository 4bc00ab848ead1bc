import Foundation

extension SecretSource {
    /// The secret's text (surrounding white space removed), or a one-line reason naming `what` it is.
    public func load(_ what: String) -> Result<String, SecretProblem> {
        switch self {
        case let .environment(variable):
            guard let value = ProcessInfo.processInfo.environment[variable]?.trimmingCharacters(in: .whitespacesAndNewlines),
                  !value.isEmpty else {
                return .failure(SecretProblem(message: "the environment variable \(variable) (\(what)) is not set in the environment"))
            }
            return .success(value)
        case let .file(path):
            guard let data = FileManager.default.contents(atPath: path) else {
                return .failure(SecretProblem(message: "cannot read \(path) (\(what))"))
            }
            let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return .failure(SecretProblem(message: "\(path) (\(what)) is empty")) }
            return .success(text)
        }
    }
}

/// Why a secret could not be read (never the secret itself).
public struct SecretProblem: Error, Sendable, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
