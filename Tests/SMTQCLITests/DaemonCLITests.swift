import Foundation
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `smtqd` through the built binary, with a real NOTIFY_SOCKET receiver standing in for systemd.
@Suite(.serialized)
struct DaemonCLITests {
    /// A bound Unix datagram socket that receives what the daemon sends to systemd.
    final class NotifyReceiver {
        let path: String
        private let descriptor: Int32

        init(path: String) throws {
            self.path = path
            descriptor = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
            guard descriptor >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
            var timeout = timeval(tv_sec: 10, tv_usec: 0)
            setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        }

        deinit {
            close(descriptor)
            unlink(path)
        }

        /// The next datagram, or nil after 10 s.
        func receive() -> String? {
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(descriptor, &buffer, buffer.count, 0)
            return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : nil
        }

        /// Every datagram that arrives within `seconds`.
        func messages(for seconds: Double) -> [String] {
            var collected: [String] = []
            let deadline = Date().addingTimeInterval(seconds)
            var buffer = [UInt8](repeating: 0, count: 4096)
            while Date() < deadline {
                let count = recv(descriptor, &buffer, buffer.count, Int32(MSG_DONTWAIT))
                if count > 0 {
                    collected.append(String(decoding: buffer[..<count], as: UTF8.self))
                } else {
                    usleep(20_000)
                }
            }
            return collected
        }

        /// Datagrams until one contains `text`.
        func waitFor(_ text: String) -> String? {
            while let message = receive() {
                if message.contains(text) { return message }
            }
            return nil
        }
    }

    func writeConfig(_ folder: URL, valid: Bool) throws -> URL {
        let file = folder.appendingPathComponent("smtq.yaml")
        let devices = valid ? "devices: []" : "devices: [{name: x}]"
        try """
            storage:
              database: \(folder.path)/smtq.sqlite
            \(devices)
            """.write(to: file, atomically: true, encoding: .utf8)
        return file
    }

    @Test func badConfigExits78() throws {
        let result = try BinaryRunner.run("smtqd", ["--config", "Tests/SMTQConfigTests/Fixtures/broken/unknown-profile.yaml"])
        #expect(result.status == 78)
        #expect(result.standardError.contains("unknown-profile.yaml:10: devices[0].profile: unknown profile"))
    }

    @Test func checkPrintsSummary() throws {
        let result = try BinaryRunner.run("smtqd", ["--config", "config/smtq.yaml", "--check"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("2 devices"))
    }

    @Test("READY, a rejected reload, a good reload, and a clean stop on SIGTERM")
    func lifecycle() throws {
        let folder = try BinaryRunner.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let receiver = try NotifyReceiver(path: folder.appendingPathComponent("notify.sock").path)
        let config = try writeConfig(folder, valid: true)
        let (process, _, errorPipe) = try BinaryRunner.start(
            "smtqd", ["--config", config.path], environment: ["NOTIFY_SOCKET": receiver.path])
        defer { if process.isRunning { process.terminate() } }
        #expect(receiver.waitFor("READY=1")?.contains("STATUS=devices 0/0 up, 0 records in the last minute") == true)

        _ = try writeConfig(folder, valid: false)
        kill(process.processIdentifier, SIGHUP)
        #expect(receiver.waitFor("RELOADING=1") != nil)
        #expect(receiver.waitFor("READY=1") != nil)
        #expect(process.isRunning, "a bad configuration on reload must not stop the daemon")

        _ = try writeConfig(folder, valid: true)
        kill(process.processIdentifier, SIGHUP)
        #expect(receiver.waitFor("READY=1") != nil)

        kill(process.processIdentifier, SIGTERM)
        #expect(receiver.waitFor("STOPPING=1") != nil)
        let log = String(decoding: errorPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(log.contains("reload rejected"))
        #expect(log.contains("required key is missing"))
        #expect(log.contains("configuration reloaded"))
    }
}
