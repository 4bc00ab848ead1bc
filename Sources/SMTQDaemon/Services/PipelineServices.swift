import SMTQCore
import Foundation
import ServiceLifecycle
import SMTQAcquisition
import SMTQAlerts
import SMTQEngine
import SMTQStore

/// The pollers and bus workers as a service: started before the group runs; on graceful shutdown they stop
/// after their request in progress, including the ACK of a record already stored.
struct CollectorService: Service {
    let collector: Collector

    func run() async throws {
        try? await gracefulShutdown()
        await Blocking.run("collector.stop") { collector.stop() }
    }
}

/// The store's writer as a service: on graceful shutdown (after the pollers stopped) it commits what is
/// queued and stops its thread.
struct WriterService: Service {
    let writer: StoreWriter
    let timeout: Duration

    func run() async throws {
        try? await gracefulShutdown()
        await Blocking.run("writer.shutdown") { writer.shutdown(timeout: timeout) }
    }
}

/// The live SPC engine as a service: warms its charts from the database (in the background: READY does not
/// wait for it; commits that arrive meanwhile wait on its queue), and on graceful shutdown (after the
/// writer's last commit) processes what it was handed and stops its clock.
struct EngineService: Service {
    let engine: SPCEngine

    func run() async throws {
        await Blocking.run("engine.start") { engine.start() }
        try? await gracefulShutdown()
        await Blocking.run("engine.stop") {
            engine.drain()
            engine.stop()
        }
    }
}

/// The alert evaluator as a service: restores the open alerts and fills the rules' windows (READY does not
/// wait for it; what arrives meanwhile waits on its queue); on graceful shutdown (after the engine's last
/// points) it evaluates what it was handed, writes those decisions and stops its clock.
struct AlertEvaluatorService: Service {
    let evaluator: AlertEvaluator

    func run() async throws {
        await Blocking.run("alerts.start") { evaluator.start() }
        try? await gracefulShutdown()
        await Blocking.run("alerts.stop") {
            evaluator.drain()
            evaluator.stop()
        }
    }
}
