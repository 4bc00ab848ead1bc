import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A noisy RS-485 line between the real collector and the real simulator, made of two socat pty pairs
/// (collector-side ⇄ noise-a, noise-b ⇄ device-side) with a copier in the middle. The copier flips bits in
/// answers (CRC errors), drops whole answers (a lost frame) and inserts garbage bytes in both directions
/// (line noise between frames), drawn from a seeded generator so a failing run can be replayed. Serial has
/// no framing, so a "chunk" is the bytes that arrive without a 2 ms gap (usually one RTU frame).
final class NoisyLine: @unchecked Sendable {
    struct Noise: Sendable, Equatable {
        /// Per chunk device → collector: flip one random bit of one random byte.
        var flipRate: Double
        /// Per chunk in either direction: insert 1–8 random bytes before it.
        var garbageRate: Double
        /// Per chunk device → collector: drop it.
        var dropRate: Double

        init(flipRate: Double = 0, garbageRate: Double = 0, dropRate: Double = 0) {
            self.flipRate = flipRate
            self.garbageRate = garbageRate
            self.dropRate = dropRate
        }

        static let quiet = Noise()
    }

    enum LineError: Error { case socatFailed(String), linksMissing([String]), cannotOpen(String, Int32) }

    /// What the collector's serial bus opens.
    let collectorPath: String
    /// What the simulator opens.
    let devicePath: String
    private let shared: Shared
    private let processes: [Process]

    init(folder: URL, seed: UInt64, noise: Noise) throws {
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = { (name: String) in folder.appendingPathComponent(name).path }
        collectorPath = path("collector-side")
        devicePath = path("device-side")
        let links = [collectorPath, path("noise-a"), path("noise-b"), devicePath]
        for link in links { try? FileManager.default.removeItem(atPath: link) }
        var started: [Process] = []
        let stopStarted = { for process in started where process.isRunning { process.terminate() } }
        for (left, right) in [(links[0], links[1]), (links[2], links[3])] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/socat")
            process.arguments = ["pty,raw,echo=0,link=\(left)", "pty,raw,echo=0,link=\(right)"]
            process.standardInput = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            do { try process.run() } catch {
                stopStarted()
                throw LineError.socatFailed("\(error)")
            }
            started.append(process)
        }
        let deadline = Date().addingTimeInterval(5)
        while !links.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) {
            guard Date() < deadline, started.allSatisfy(\.isRunning) else {
                stopStarted()
                throw LineError.linksMissing(links.filter { !FileManager.default.fileExists(atPath: $0) })
            }
            Thread.sleep(forTimeInterval: 0.01)
        }
        var opened: [Int32] = []
        for link in [links[1], links[2]] {
            let descriptor = open(link, O_RDWR | O_NOCTTY | O_NONBLOCK)
            guard descriptor >= 0 else {
                let code = errno
                opened.forEach { close($0) }
                stopStarted()
                throw LineError.cannotOpen(link, code)
            }
            var settings = termios()
            tcgetattr(descriptor, &settings)
            cfmakeraw(&settings)
            tcsetattr(descriptor, TCSANOW, &settings)
            opened.append(descriptor)
        }
        processes = started
        let shared = Shared(noise: noise)
        self.shared = shared
        let (collector, device) = (opened[0], opened[1])
        Thread { Self.copyLoop(collector: collector, device: device, seed: seed, shared: shared) }.start()
    }

    deinit { stop() }

    var noise: Noise {
        get { shared.with { $0.noise } }
        set { shared.with { $0.noise = newValue } }
    }

    var bitsFlipped: Int { shared.with { $0.bitsFlipped } }
    /// Garbage bursts (of 1–8 bytes) inserted, both directions.
    var garbageInserted: Int { shared.with { $0.garbageInserted } }
    var chunksDropped: Int { shared.with { $0.chunksDropped } }
    /// Bytes read from the collector side (before noise).
    var bytesForward: Int { shared.with { $0.bytesForward } }
    /// Bytes read from the device side (before noise).
    var bytesBack: Int { shared.with { $0.bytesBack } }

    /// Stops the copier (it closes its descriptors) and terminates both socat processes.
    func stop() {
        let first = shared.with { state -> Bool in
            defer { state.stopping = true }
            return !state.stopping
        }
        guard first else { return }
        let deadline = Date().addingTimeInterval(2)
        while Date() < deadline, !shared.with({ $0.copierDone }) { Thread.sleep(forTimeInterval: 0.005) }
        for process in processes where process.isRunning { process.terminate() }
        // Bounded: Foundation's waitUntilExit can miss a child's exit under a busy test run.
        let exit = Date().addingTimeInterval(5)
        while Date() < exit, processes.contains(where: \.isRunning) { Thread.sleep(forTimeInterval: 0.01) }
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    private struct State {
        var noise: Noise
        var stopping = false
        var copierDone = false
        var bitsFlipped = 0
        var garbageInserted = 0
        var chunksDropped = 0
        var bytesForward = 0
        var bytesBack = 0
    }

    /// The state shared by the line and its copier thread (which does not keep the line itself alive).
    private final class Shared: @unchecked Sendable {
        private let lock = NSLock()
        private var state: State

        init(noise: Noise) { state = State(noise: noise) }

        func with<T>(_ body: (inout State) -> T) -> T {
            lock.lock()
            defer { lock.unlock() }
            return body(&state)
        }
    }

    /// SplitMix64: small, fast and reproducible from its seed.
    private struct SplitMix64 {
        var state: UInt64

        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }

        mutating func chance(_ probability: Double) -> Bool {
            probability > 0 && Double(next() >> 11) * 0x1.0p-53 < probability
        }

        mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
    }

    private static func copyLoop(collector: Int32, device: Int32, seed: UInt64, shared: Shared) {
        defer {
            close(collector)
            close(device)
            shared.with { $0.copierDone = true }
        }
        var random = SplitMix64(state: seed)
        while !shared.with({ $0.stopping }) {
            var entries = [pollfd(fd: collector, events: Int16(POLLIN), revents: 0), pollfd(fd: device, events: Int16(POLLIN), revents: 0)]
            guard poll(&entries, 2, 100) > 0 else { continue }
            if entries[0].revents & Int16(POLLIN) != 0 {
                let chunk = readChunk(collector)
                shared.with { $0.bytesForward += chunk.count }
                let noise = shared.with { $0.noise }
                var out = chunk
                if !chunk.isEmpty, random.chance(noise.garbageRate) {
                    out = garbage(&random) + chunk
                    shared.with { $0.garbageInserted += 1 }
                }
                guard writeAll(device, out, shared: shared) else { return }
            }
            if entries[1].revents & Int16(POLLIN) != 0 {
                let chunk = readChunk(device)
                shared.with { $0.bytesBack += chunk.count }
                let noise = shared.with { $0.noise }
                guard !chunk.isEmpty else { continue }
                if random.chance(noise.dropRate) {
                    shared.with { $0.chunksDropped += 1 }
                    continue
                }
                var out = chunk
                if random.chance(noise.flipRate) {
                    out[random.below(out.count)] ^= UInt8(1) << UInt8(random.below(8))
                    shared.with { $0.bitsFlipped += 1 }
                }
                if random.chance(noise.garbageRate) {
                    out = garbage(&random) + out
                    shared.with { $0.garbageInserted += 1 }
                }
                guard writeAll(collector, out, shared: shared) else { return }
            }
            let broken = Int16(POLLERR | POLLNVAL)
            if entries[0].revents & broken != 0 || entries[1].revents & broken != 0 { return }
            if entries[0].revents & Int16(POLLHUP) != 0 || entries[1].revents & Int16(POLLHUP) != 0 {
                Thread.sleep(forTimeInterval: 0.01)
            }
        }
    }

    private static func garbage(_ random: inout SplitMix64) -> [UInt8] {
        (0...random.below(8)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
    }

    /// Everything that arrives without a 2 ms gap (at most 1 KiB), so one RTU frame is usually one chunk.
    private static func readChunk(_ descriptor: Int32) -> [UInt8] {
        var chunk: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 512)
        while chunk.count < 1024 {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress!, $0.count) }
            if count > 0 { chunk += buffer[0..<count] }
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { break }
            var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 2) > 0, entry.revents & Int16(POLLIN) != 0 else { break }
        }
        return chunk
    }

    /// Writes on the non-blocking pty, waiting for room in 100 ms steps until written or stopping.
    private static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], shared: Shared) -> Bool {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + sent, bytes.count - sent) }
            if n > 0 {
                sent += n
                continue
            }
            guard n < 0, errno == EAGAIN || errno == EINTR, !shared.with({ $0.stopping }) else { return false }
            var entry = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            _ = poll(&entry, 1, 100)
        }
        return true
    }
}
