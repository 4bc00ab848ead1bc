import Foundation
import Logging
import SMTQConfig
import SMTQCore
import SMTQStore

/// One delivery attempt's outcome.
public enum DeliveryResult: Sendable, Equatable {
    case delivered
    case failed(String)
}

/// Something that delivers an alert: an exec hook, a webhook, an Alertmanager.
public protocol AlertHook: Sendable {
    var name: String { get }
    /// Delivers one notification (the alert JSON of one event); never throws: a failure is a result.
    func deliver(_ payload: String, event: AlertEventKind) async -> DeliveryResult
}

/// The hooks of a configuration, by name.
public enum AlertHooks {
    public static func make(_ alerts: AlertsConfig, rules: [AlertRuleConfig], logger: Logger) -> [String: any AlertHook] {
        var hooks: [String: any AlertHook] = [:]
        for (name, config) in alerts.hooks {
            switch config.action {
            case let .exec(arguments):
                hooks[name] = ExecHook(name: name, arguments: arguments, timeout: config.timeout, logger: logger)
            case let .webhook(url, secret):
                hooks[name] = WebhookHook(name: name, url: url, secret: secret, timeout: config.timeout)
            case let .alertmanager(url):
                let repeats = Dictionary(rules.map { ($0.name, $0.repeatInterval) }, uniquingKeysWith: { first, _ in first })
                hooks[name] = AlertmanagerHook(name: name, baseURL: url, timeout: config.timeout, repeats: repeats)
            }
        }
        return hooks
    }
}

/// `exec`: the program with its arguments as configured (no shell), the alert JSON on standard input,
/// `SMTQ_*` variables and a minimal PATH in its environment (not smtqd's, which may hold secrets). Exit
/// status 0 is delivered. Its output is logged, bounded.
struct ExecHook: AlertHook {
    let name: String
    let arguments: [String]
    let timeout: Duration
    let logger: Logger

    static func environment(for payload: AlertPayload?) -> [String: String] {
        var environment = ["PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8"]
        guard let payload else { return environment }
        environment["SMTQ_ALERT_ID"] = String(payload.id)
        environment["SMTQ_ALERT_EVENT"] = payload.event.rawValue
        environment["SMTQ_ALERT_STATE"] = payload.state
        environment["SMTQ_ALERT_RULE"] = payload.rule
        environment["SMTQ_ALERT_KIND"] = payload.kind.rawValue
        environment["SMTQ_ALERT_SEVERITY"] = payload.severity.rawValue
        environment["SMTQ_ALERT_DEDUP_KEY"] = payload.dedupKey
        environment["SMTQ_ALERT_SUMMARY"] = payload.summary
        return environment
    }

    func deliver(_ payload: String, event: AlertEventKind) async -> DeliveryResult {
        let decoded = try? JSONDecoder().decode(AlertPayload.self, from: Data(payload.utf8))
        let environment = Self.environment(for: decoded)
        let (arguments, timeout) = (arguments, timeout)
        let outcome = await Blocking.run("hook.\(name)") { () -> Result<ChildProcess.Outcome, ChildProcess.SpawnError> in
            do throws(ChildProcess.SpawnError) {
                return .success(try ChildProcess.run(arguments, environment: environment, input: Data((payload + "\n").utf8),
                                                     timeout: timeout))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case let .failure(error):
            return .failed(error.description)
        case let .success(result):
            // A failing hook's output is its error (logged once per episode by the dispatcher, with the first
            // line of standard error); repeating it at every retry would flood the journal.
            if !result.output.isEmpty || !result.errorOutput.isEmpty {
                logger.log(level: result.problem == nil ? .info : .debug, "hook output",
                           metadata: ["hook": "\(name)", "stdout": "\(result.output)", "stderr": "\(result.errorOutput)"])
            }
            if let problem = result.problem { return .failed(problem) }
            return .delivered
        }
    }
}
