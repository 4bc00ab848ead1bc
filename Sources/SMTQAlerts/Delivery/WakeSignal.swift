import Dispatch
import Foundation
import SMTQCore

/// Wakes one waiting task: a `signal()` before the wait is kept (once), a wait can time out. The shape of a
/// condition variable for the concurrency pool, without blocking a thread.
final class WakeSignal: Sendable {
    private struct State {
        var pending = false
        var waiter: (id: Int, continuation: CheckedContinuation<Void, Never>)?
        var nextID = 0
    }

    private let state = Locked(State())

    func signal() {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.pending = true
                return nil
            }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }

    /// Returns on a signal (or one given since the last wait), after `timeout`, or when the task is cancelled.
    func wait(timeout: Duration?) async {
        let id = state.withLock { state -> Int? in
            if state.pending {
                state.pending = false
                return nil
            }
            state.nextID += 1
            return state.nextID
        }
        guard let id else { return }
        // The timer runs on a Dispatch queue: it needs no thread of the concurrency pool to fire.
        let timer = timeout.map { timeout in
            let item = DispatchWorkItem { [weak self] in self?.release(id) }
            DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(Int(timeout.totalMilliseconds)), execute: item)
            return item
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.pending || Task.isCancelled {
                        state.pending = false
                        return true
                    }
                    state.waiter = (id, continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            release(id)
        }
        timer?.cancel()
    }

    private func release(_ id: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter, waiter.id == id else { return nil }
            state.waiter = nil
            return waiter.continuation
        }
        waiter?.resume()
    }
}
