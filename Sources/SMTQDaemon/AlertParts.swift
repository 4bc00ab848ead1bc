import GRDB
import Logging
import SMTQAlerts
import SMTQConfig
import SMTQStore

/// The alerting half of the pipeline: the evaluator (rules on commits and points, decisions into the
/// outbox) and the dispatcher (the outbox to the hooks), wired so new outbox rows wake the dispatcher.
public struct AlertParts: Sendable {
    public let evaluator: AlertEvaluator
    public let dispatcher: AlertDispatcher

    init(configuration: SMTQConfig.Configuration, writer: StoreWriter, reader: DatabaseQueue, outboxReader: DatabaseQueue,
         logger: Logger) {
        evaluator = AlertEvaluator(configuration: configuration, writer: writer, reader: reader, logger: logger)
        let hooks = AlertHooks.make(configuration.alerts, rules: configuration.alerts.rules, logger: logger)
        dispatcher = AlertDispatcher(alerts: configuration.alerts, hooks: hooks, writer: writer, reader: outboxReader,
                                     logger: logger)
        evaluator.onOutbox { [dispatcher] in dispatcher.wake() }
    }
}
