// A WebDriver client that drives Debian's headless Chromium through chromedriver (W3C protocol over loopback HTTP).
// Needs Debian's `chromium` and `chromium-driver` packages (/usr/bin/chromium, /usr/bin/chromedriver); tests that use
// it skip with a clear message when /usr/bin/chromedriver is missing and CI is not set (on CI they fail instead).
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import SMTQCore
import SMTQTestSupport

/// One headless Chromium session behind its own chromedriver; `quit()` (or the value going away) ends both.
///
/// Requests go over a plain loopback socket, not URLSession: FoundationNetworking before swift-corelibs-foundation
/// PR #5527 fails ("Failed writing header") on chromedriver's `Content-Length:251` headers (no space after the colon).
final class WebDriver: @unchecked Sendable {
    static let defaultChromedriver = "/usr/bin/chromedriver"
    static let defaultBrowser = "/usr/bin/chromium"

    /// chromedriver's port on 127.0.0.1.
    let port: Int
    /// The WebDriver session.
    let sessionID: String
    /// Chromium's main process (chromedriver's `goog:processID`).
    let browserProcess: Int32
    private let process: Process
    private let folder: TemporaryFolder
    private let lock = NSLock()
    private var stopped = false
    private var log: [LogEntry] = []

    private init(port: Int, sessionID: String, browserProcess: Int32, process: Process, folder: TemporaryFolder) {
        self.port = port
        self.sessionID = sessionID
        self.browserProcess = browserProcess
        self.process = process
        self.folder = folder
    }

    deinit { quit() }

    /// Whether browser tests can run here: chromedriver and chromium are installed.
    static func isAvailable(chromedriver: String = defaultChromedriver, browser: String = defaultBrowser) -> Bool {
        FileManager.default.isExecutableFile(atPath: chromedriver) && FileManager.default.isExecutableFile(atPath: browser)
    }

    /// Starts chromedriver on a free loopback port, waits until it is ready (at most `timeout`) and opens a session
    /// on headless `browser` (1920×1080 window, browser console kept at every level).
    static func start(chromedriver: String = defaultChromedriver, browser: String = defaultBrowser,
                      timeout: Duration = .seconds(60)) async throws -> WebDriver {
        guard FileManager.default.isExecutableFile(atPath: chromedriver) else {
            throw WebDriverError("no chromedriver at \(chromedriver): install Debian's chromium-driver (apt-get install chromium chromium-driver)")
        }
        guard FileManager.default.isExecutableFile(atPath: browser) else {
            throw WebDriverError("no browser at \(browser): install Debian's chromium (apt-get install chromium chromium-driver)")
        }
        // chromedriver and chromium keep their profiles and sockets in TMPDIR: a folder of ours, removed afterwards.
        let folder = try TemporaryFolder("smtq-webdriver")
        let port = TestNetwork.freePort()
        guard port > 0 else { throw WebDriverError("no free loopback port for chromedriver") }
        let logPath = folder.path("chromedriver.log")
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        guard let logFile = FileHandle(forWritingAtPath: logPath) else { throw WebDriverError("cannot write \(logPath)") }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromedriver)
        process.arguments = ["--port=\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(["TMPDIR": folder.url.path]) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = logFile
        process.standardError = logFile
        try process.run()
        func output() -> String {
            let text = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            return text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        do {
            // Ready: GET /status answers {"value": {"ready": true, "message": "ChromeDriver ready for new sessions.", …}}.
            // Polled on a thread of its own with its own clock: a test runner whose concurrency pool other tests
            // hold for a while must not turn a slow wake-up into "not ready".
            let seconds = Double(timeout.components.seconds)
            let ready = await Blocking.run("chromedriver-ready") { () -> Bool in
                let deadline = Date().addingTimeInterval(seconds)
                repeat {
                    if let status = try? callNow(port: port, "GET", "/status", timeout: 2), status["ready"] == .bool(true) { return true }
                    Thread.sleep(forTimeInterval: 0.1)
                } while Date() < deadline
                return false
            }
            guard ready else {
                throw WebDriverError(process.isRunning ? "chromedriver on port \(port) not ready after \(timeout): \(output())"
                                                       : "chromedriver exited with status \(process.terminationStatus): \(output())")
            }
            let options: JSONValue = [
                "binary": .string(browser),
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1920,1080"],
            ]
            let capabilities: JSONValue = [
                "browserName": "chrome",
                "timeouts": ["pageLoad": 60000, "script": 30000],
                "goog:chromeOptions": options,
                "goog:loggingPrefs": ["browser": "ALL"],
            ]
            let session = try await call(port: port, "POST", "/session", ["capabilities": ["alwaysMatch": capabilities]],
                                         timeout: 60)
            guard let id = session["sessionId"]?.string else {
                throw WebDriverError("POST /session: no sessionId in \(session)")
            }
            let pid = session["capabilities"]?["goog:processID"]?.number.map { Int32($0) } ?? 0
            return WebDriver(port: port, sessionID: id, browserProcess: pid, process: process, folder: folder)
        } catch {
            stop(process, port: port)
            throw error
        }
    }

    /// Navigates to `url` and waits until the page has loaded (`POST /session/{id}/url`).
    func open(_ url: String) async throws {
        _ = try await command("POST", "url", ["url": .string(url)])
    }

    /// The page's URL now (`GET /session/{id}/url`).
    func currentURL() async throws -> String {
        try await command("GET", "url").string ?? ""
    }

    /// Runs `script` as a function body in the page (`arguments[i]` are `arguments`) and returns what it returns;
    /// a returned promise is awaited (`POST /session/{id}/execute/sync`). A script that throws throws here.
    func execute(_ script: String, _ arguments: JSONValue...) async throws -> JSONValue {
        try await command("POST", "execute/sync", ["script": .string(script), "args": .array(arguments)])
    }

    /// The JSON text of `expression`'s value (a promise's result when it is one; "null" for undefined).
    func evaluate(_ expression: String) async throws -> String {
        let script = """
            return Promise.resolve((
            \(expression)
            )).then(v => v === undefined ? "null" : JSON.stringify(v));
            """
        guard let text = try await execute(script).string else {
            throw WebDriverError("\(expression): JSON.stringify returned nothing")
        }
        return text
    }

    /// `expression`'s value, which must be a string (a promise's result when it is one).
    func evaluateString(_ expression: String) async throws -> String {
        let value = try await execute("return Promise.resolve((\n\(expression)\n));")
        guard let text = value.string else { throw WebDriverError("\(expression): not a string but \(value)") }
        return text
    }

    /// Polls `condition` (a JavaScript expression; thrown errors count as false) every 100 ms until it is truthy:
    /// true, or false after `timeout`.
    func waitFor(_ condition: String, timeout: Duration = .seconds(10)) async throws -> Bool {
        let script = "try { return !!(\n\(condition)\n); } catch (e) { return false; }"
        let body: JSONValue = ["script": .string(script), "args": []]
        let (port, path, seconds) = (port, "/session/\(sessionID)/execute/sync", Double(timeout.components.seconds))
        // On a thread of its own with its own clock (see `start`).
        return try await Blocking.run("webdriver-wait") { () throws -> Bool in
            let deadline = Date().addingTimeInterval(seconds)
            while true {
                if try WebDriver.callNow(port: port, "POST", path, body, timeout: 90) == .bool(true) { return true }
                guard Date() < deadline else { return false }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
    }

    /// The viewport as a PNG (`GET /session/{id}/screenshot`, base64); the 1920×1080 window shows 1920×937 of page.
    func screenshot() async throws -> Data {
        let value = try await command("GET", "screenshot")
        guard let text = value.string, let data = Data(base64Encoded: text) else {
            throw WebDriverError("GET screenshot: no base64 PNG in the reply")
        }
        return data
    }

    /// A browser console entry: level (`SEVERE`, `WARNING`, `INFO`, …), message (the page's URL and position first,
    /// then the logged value as JSON) and source (`console-api`, `network`, `javascript`, …).
    struct LogEntry: Sendable, Equatable {
        var level: String
        var message: String
        var source: String
    }

    /// Every browser console entry since the session started, failed resource loads included (chromedriver's
    /// `POST /session/{id}/se/log` hands each entry out once; they are kept here).
    func consoleLog() async throws -> [LogEntry] {
        let value = try await command("POST", "se/log", ["type": "browser"])
        let entries = (value.array ?? []).map {
            LogEntry(level: $0["level"]?.string ?? "", message: $0["message"]?.string ?? "", source: $0["source"]?.string ?? "")
        }
        return lock.withLock {
            log += entries
            return log
        }
    }

    /// The messages of the SEVERE console entries since the session started: `console.error`, uncaught exceptions,
    /// failed loads (a missing /favicon.ico is one).
    func consoleErrors() async throws -> [String] {
        try await consoleLog().filter { $0.level == "SEVERE" }.map(\.message)
    }

    /// The page's URL and every resource it requested (the performance timeline), failed ones included.
    func resourceURLs() async throws -> [String] {
        let value = try await execute("return [document.URL].concat(performance.getEntriesByType('resource').map(e => e.name));")
        return (value.array ?? []).compactMap(\.string)
    }

    /// Ends the session (Chromium exits), stops chromedriver and removes the temporary folder; safe to call twice.
    func quit() {
        let first = lock.withLock {
            defer { stopped = true }
            return !stopped
        }
        guard first else { return }
        let deleted = (try? Self.exchange(port: port, "DELETE", "/session/\(sessionID)", body: nil, timeout: 10))?.status == 200
        // A session chromedriver could not delete: Chromium would outlive a killed chromedriver (SIGKILL ends all of it).
        if !deleted, browserProcess > 0 {
            kill(browserProcess, SIGKILL)
        }
        Self.stop(process, port: port)
        try? FileManager.default.removeItem(at: folder.url)
    }

    /// Stops chromedriver: `GET /shutdown` (it quits its sessions), then SIGKILL after 5 s. SIGTERM is no use: a
    /// Process started from a Swift concurrency thread inherits that thread's blocked signals, SIGTERM among them.
    private static func stop(_ process: Process, port: Int) {
        guard process.isRunning else { return }
        _ = try? exchange(port: port, "GET", "/shutdown", body: nil, timeout: 5)
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// A command on the session: `path` below `/session/{id}/`; returns the reply's `value`.
    private func command(_ method: String, _ path: String, _ body: JSONValue? = nil) async throws -> JSONValue {
        try await Self.call(port: port, method, "/session/\(sessionID)/\(path)", body, timeout: 90)
    }

    /// One WebDriver request, on a thread of its own (the socket blocks; Dispatch's global queue shares its
    /// threads with the Swift concurrency pool, which other tests may hold); returns the reply's `value`, or throws
    /// chromedriver's error and message: `{"value": {"error": "javascript error", "message": "…", "stacktrace": "…"}}`.
    private static func call(port: Int, _ method: String, _ path: String, _ body: JSONValue? = nil,
                             timeout: TimeInterval) async throws -> JSONValue {
        try await Blocking.run("webdriver") { try callNow(port: port, method, path, body, timeout: timeout) }
    }

    /// `call` on the caller's thread.
    private static func callNow(port: Int, _ method: String, _ path: String, _ body: JSONValue? = nil,
                                timeout: TimeInterval) throws -> JSONValue {
        let data = try body.map { try JSONEncoder().encode($0) }
        let reply = try exchange(port: port, method, path, body: data, timeout: timeout)
        let json = try? JSONDecoder().decode(JSONValue.self, from: reply.body)
        guard reply.status == 200, let json else {
            let error = json?["value"]?["error"]?.string ?? "HTTP \(reply.status)"
            var message = json?["value"]?["message"]?.string ?? String(decoding: reply.body.prefix(500), as: UTF8.self)
            // "javascript error: boom\n  (Session info: chrome=…)", "session not created\nfrom unknown error: …".
            message = message.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.hasPrefix("(Session info:") }.joined(separator: " ")
            throw WebDriverError("\(method) \(path): \(message.hasPrefix(error) ? message : "\(error): \(message)")")
        }
        return json["value"] ?? .null
    }

    struct HTTPReply: Sendable {
        var status: Int
        var body: Data
    }

    /// One HTTP/1.1 request to 127.0.0.1:`port` with `Connection: close`; blocks (at most `timeout` per read).
    static func exchange(port: Int, _ method: String, _ path: String, body: Data?, timeout: TimeInterval) throws -> HTTPReply {
        guard let descriptor = LoopbackPort.connect(port: port, receiveTimeout: timeout.rounded(.up)) else {
            throw WebDriverError("\(method) \(path): nothing listens on 127.0.0.1:\(port)")
        }
        defer { close(descriptor) }
        var time = timeval(tv_sec: Int(timeout.rounded(.up)), tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &time, socklen_t(MemoryLayout<timeval>.size))
        var request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n"
        if let body { request += "Content-Type: application/json; charset=utf-8\r\nContent-Length: \(body.count)\r\n" }
        let bytes = Array((request + "\r\n").utf8) + Array(body ?? Data())
        var sent = 0
        while sent < bytes.count {
            let count = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw WebDriverError("\(method) \(path): sending failed (errno \(errno))") }
            sent += count
        }
        // Read the head, then the body: Content-Length bytes, or up to the end of the connection.
        var received: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        var headEnd: Int?
        var expected: Int?
        while true {
            if let headEnd, let expected, received.count >= headEnd + expected { break }
            let count = recv(descriptor, &buffer, buffer.count, 0)
            if count == 0 { break }
            if count < 0 {
                if errno == EINTR { continue }
                throw WebDriverError("\(method) \(path): no reply from chromedriver within \(Int(timeout)) s (errno \(errno))")
            }
            received += buffer[..<count]
            if headEnd == nil, let end = Self.headEnd(received) {
                headEnd = end
                for line in String(decoding: received[..<end], as: UTF8.self).split(separator: "\r\n") {
                    let parts = line.split(separator: ":", maxSplits: 1)
                    if parts.count == 2, parts[0].lowercased() == "content-length" {
                        expected = Int(parts[1].trimmingCharacters(in: .whitespaces))
                    }
                }
            }
        }
        guard let headEnd else { throw WebDriverError("\(method) \(path): incomplete HTTP reply from chromedriver") }
        let statusLine = String(decoding: received[..<headEnd], as: UTF8.self).prefix { $0 != "\r" }
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else {
            throw WebDriverError("\(method) \(path): bad HTTP status line \(statusLine)")
        }
        return HTTPReply(status: status, body: Data(received[headEnd...].prefix(expected ?? Int.max)))
    }

    /// Where the body starts: just after the first blank line (CR LF CR LF).
    private static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for index in 0...(bytes.count - 4)
        where bytes[index] == 13 && bytes[index + 1] == 10 && bytes[index + 2] == 13 && bytes[index + 3] == 10 {
            return index + 4
        }
        return nil
    }
}

/// What went wrong talking to chromedriver, with its error and message when it sent one.
struct WebDriverError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// A JSON value as WebDriver sends and receives it (numbers are Doubles).
enum JSONValue: Sendable, Equatable, Codable, CustomStringConvertible {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    var string: String? { if case .string(let value) = self { value } else { nil } }
    var number: Double? { if case .number(let value) = self { value } else { nil } }
    var bool: Bool? { if case .bool(let value) = self { value } else { nil } }
    var array: [JSONValue]? { if case .array(let value) = self { value } else { nil } }
    var object: [String: JSONValue]? { if case .object(let value) = self { value } else { nil } }

    /// The member `key` of an object; nil for a missing member or another kind of value.
    subscript(key: String) -> JSONValue? { object?[key] }

    /// Compact JSON text.
    var description: String {
        guard let data = try? JSONEncoder().encode(self) else { return "?" }
        return String(decoding: data, as: UTF8.self)
    }
}

extension JSONValue: ExpressibleByNilLiteral, ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral,
    ExpressibleByFloatLiteral, ExpressibleByStringLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral {
    init(nilLiteral: ()) { self = .null }
    init(booleanLiteral value: Bool) { self = .bool(value) }
    init(integerLiteral value: Int) { self = .number(Double(value)) }
    init(floatLiteral value: Double) { self = .number(value) }
    init(stringLiteral value: String) { self = .string(value) }
    init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { $1 }))
    }
}
