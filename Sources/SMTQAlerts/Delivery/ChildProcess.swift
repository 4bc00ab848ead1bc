import Dispatch
import Foundation
import SMTQCore
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program without a shell in a process group of its own, feeds it standard input, keeps the head of
/// its output, and kills the whole group when it runs past its time. Blocking: call it from a thread of its
/// own (`Blocking.run`).
///
/// Written by hand because neither Foundation's `Process` (no process group, so a hook's children would
/// outlive a kill) nor swift-subprocess (its bounded capture fails the run when a program prints more than
/// the bound) does what an alert hook needs: a bounded, never-failing capture and a group kill at a deadline.
enum ChildProcess {
    struct Outcome: Sendable {
        /// The exit status, when the program exited.
        var status: Int32?
        /// The signal that ended it, when one did.
        var signal: Int32?
        var timedOut: Bool
        var output: String
        var errorOutput: String

        var succeeded: Bool { status == 0 && !timedOut }

        /// `exit status 3`, `killed after 5 s (time limit)`, `ended by signal 9`.
        var problem: String? {
            if timedOut { return "still running at its time limit; its process group was killed" }
            if let signal { return "ended by signal \(signal)" }
            if let status, status != 0 {
                let first = errorOutput.split(separator: "\n").first.map { ": \($0)" } ?? ""
                return "exit status \(status)\(first)"
            }
            return nil
        }
    }

    struct SpawnError: Error, CustomStringConvertible {
        var description: String
    }

    private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

    static func run(_ arguments: [String], environment: [String: String], input: Data, timeout: Duration,
                    captureLimit: Int = 8192) throws(SpawnError) -> Outcome {
        _ = ignoreBrokenPipes
        guard let path = arguments.first else { throw SpawnError(description: "no program to run") }
        var stdinPipe: [Int32] = [-1, -1], stdoutPipe: [Int32] = [-1, -1], stderrPipe: [Int32] = [-1, -1]
        guard pipe(&stdinPipe) == 0, pipe(&stdoutPipe) == 0, pipe(&stderrPipe) == 0 else {
            let problem = String(cString: strerror(errno))
            for fd in stdinPipe + stdoutPipe + stderrPipe where fd >= 0 { close(fd) }
            throw SpawnError(description: "cannot create pipes: \(problem)")
        }
        // Not inherited by other children; dup2 in the child clears the flag on its own three.
        for fd in stdinPipe + stdoutPipe + stderrPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdoutPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderrPipe[1], 2)
        // Nothing else of smtqd's (database, device sockets, other hooks' pipes) reaches the hook.
        SpawnSignals.closeOthers(&actions)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Its own process group (so the group can be killed), default signal handling, nothing blocked.
        posix_spawnattr_setpgroup(&attributes, 0)
        SpawnSignals.reset(&attributes, flags: Int32(POSIX_SPAWN_SETPGROUP))

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        // ETXTBSY: the file is open for writing somewhere, often only for an instant (a hook script being
        // saved, or a descriptor another thread's fork inherited); try again briefly before failing.
        for _ in 0..<20 where spawned == ETXTBSY {
            usleep(25_000)
            spawned = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        }
        close(stdinPipe[0])
        close(stdoutPipe[1])
        close(stderrPipe[1])
        guard spawned == 0 else {
            close(stdinPipe[1])
            close(stdoutPipe[0])
            close(stderrPipe[0])
            throw SpawnError(description: "cannot start \(path): \(String(cString: strerror(spawned)))")
        }

        let (stdinWrite, stdoutRead, stderrRead, child) = (stdinPipe[1], stdoutPipe[0], stderrPipe[0], pid)
        let io = DispatchGroup()
        let output = Capture(limit: captureLimit)
        let errorOutput = Capture(limit: captureLimit)
        DispatchQueue.global().async(group: io) {
            input.withUnsafeBytes { bytes in
                var offset = 0
                while offset < bytes.count {
                    let written = write(stdinWrite, bytes.baseAddress! + offset, bytes.count - offset)
                    if written < 0, errno == EINTR { continue }
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(stdinWrite)
        }
        DispatchQueue.global().async(group: io) { output.drain(stdoutRead) }
        DispatchQueue.global().async(group: io) { errorOutput.drain(stderrRead) }

        let exited = DispatchSemaphore(value: 0)
        let status = StatusBox()
        Thread {
            var raw: Int32 = 0
            while waitpid(child, &raw, 0) < 0, errno == EINTR {}
            status.value = raw
            exited.signal()
        }.start()
        var timedOut = false
        if exited.wait(timeout: .now() + .milliseconds(Int(timeout.totalMilliseconds))) == .timedOut {
            timedOut = true
            kill(-pid, SIGKILL)
            exited.wait()
        }
        // Children that outlive the program keep its pipes open: give them a moment, then end the group.
        if io.wait(timeout: .now() + .seconds(1)) == .timedOut {
            kill(-pid, SIGKILL)
            io.wait()
        }
        close(stdoutPipe[0])
        close(stderrPipe[0])
        let raw = status.value
        let exitedNormally = raw & 0x7F == 0
        return Outcome(status: exitedNormally ? (raw >> 8) & 0xFF : nil, signal: exitedNormally ? nil : raw & 0x7F,
                       timedOut: timedOut, output: output.text, errorOutput: errorOutput.text)
    }

    /// The head of a stream (the rest is read and dropped, so the program never blocks on a full pipe).
    private final class Capture: @unchecked Sendable {
        let limit: Int
        private var bytes: [UInt8] = []
        private var dropped = 0

        init(limit: Int) {
            self.limit = limit
        }

        func drain(_ fd: Int32) {
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = read(fd, &buffer, buffer.count)
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                let room = max(0, limit - bytes.count)
                bytes += buffer[0..<min(room, count)]
                dropped += count - min(room, count)
            }
        }

        var text: String {
            let head = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return dropped > 0 ? head + " … (\(dropped) more bytes)" : head
        }
    }

    private final class StatusBox: @unchecked Sendable {
        var value: Int32 = 0
    }
}
