import Dispatch
import Foundation
import SMTQCore
import SMTQDaemon

/// SIGTERM and SIGINT from smtqd's first moment. The service group handles them only once the pipeline runs;
/// before that (opening the database, starting the pollers) a stop, such as systemd stopping a daemon that is
/// still starting, would kill smtqd with the signal's default action. Remembered here and handed to the
/// pipeline as soon as it exists, so that stop is as graceful as any other.
final class EarlyStopSignals {
    private let state = Locked<(requested: Bool, pipeline: Pipeline?)>((false, nil))
    private let sources: [any DispatchSourceSignal]

    init() {
        let state = state
        sources = [SIGTERM, SIGINT].map { number in
            // As the service group does: libdispatch sees the signal, the default action does not happen.
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let pipeline = state.withLock { current -> Pipeline? in
                    current.requested = true
                    return current.pipeline
                }
                if let pipeline { Task { await pipeline.requestStop() } }
            }
            source.resume()
            return source
        }
    }

    /// From now on a signal stops `pipeline`; one that came before stops it now.
    func attach(_ pipeline: Pipeline) async {
        let requested = state.withLock { current -> Bool in
            current.pipeline = pipeline
            return current.requested
        }
        if requested { await pipeline.requestStop() }
    }

    deinit {
        for source in sources { source.cancel() }
    }
}
