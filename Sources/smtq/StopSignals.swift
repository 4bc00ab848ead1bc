import Dispatch
import Foundation

/// SIGINT and SIGTERM for the foreground commands (`collect`, `simulate`): a request to stop that the
/// command notices, instead of the default action.
///
/// The signals are also unblocked: a process started from a thread that blocks them (as some test runners
/// and supervisors do) inherits that mask and would otherwise never see them.
final class StopSignals: @unchecked Sendable {
    private let stop = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var requested = false
    private var sources: [DispatchSourceSignal] = []

    init() {
        var set = sigset_t()
        sigemptyset(&set)
        for number in [SIGINT, SIGTERM] {
            sigaddset(&set, number)
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number)
            source.setEventHandler { [weak self] in self?.request() }
            source.resume()
            sources.append(source)
        }
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    deinit {
        sources.forEach { $0.cancel() }
    }

    private func request() {
        lock.lock()
        requested = true
        lock.unlock()
        stop.signal()
    }

    var isRequested: Bool {
        lock.lock()
        defer { lock.unlock() }
        return requested
    }

    /// Waits for a stop request, at most `seconds` (forever when nil).
    func wait(seconds: Double?) {
        if let seconds {
            _ = stop.wait(timeout: .now() + seconds)
        } else {
            stop.wait()
        }
    }
}
