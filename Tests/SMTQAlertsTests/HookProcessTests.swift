import Foundation
@testable import SMTQAlerts
import SMTQTestSupport
import Testing

/// Exec hooks run real programs: arguments untouched, stdin delivered, a time limit that kills the group.
struct HookProcessTests {
    @Test("arguments with spaces, quotes and shell characters reach the program untouched; stdin and env arrive")
    func argumentsAndInput() throws {
        let folder = try TemporaryFolder("smtq-hook")
        let script = folder.path("hook.sh")
        try """
            #!/bin/sh
            for argument in "$@"; do printf '%s\\n' "$argument"; done > "\(folder.path("args"))"
            cat > "\(folder.path("stdin"))"
            printf '%s' "$SMTQ_ALERT_RULE|$PATH|${HOME:-nohome}" > "\(folder.path("env"))"
            echo "hook says hi"
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let tricky = ["a b", "it's", "\"quoted\"", "; rm -rf /", "$(whoami)", "`id`", "a|b", "$HOME", "*"]
        let outcome = try ChildProcess.run([script] + tricky, environment: ["SMTQ_ALERT_RULE": "feeder", "PATH": "/usr/bin:/bin"],
                                           input: Data("{\"id\":1}\n".utf8), timeout: .seconds(10))
        #expect(outcome.succeeded)
        #expect(outcome.output == "hook says hi")
        let arguments = try String(contentsOfFile: folder.path("args"), encoding: .utf8)
        #expect(arguments == tricky.joined(separator: "\n") + "\n")
        #expect(try String(contentsOfFile: folder.path("stdin"), encoding: .utf8) == "{\"id\":1}\n")
        #expect(try String(contentsOfFile: folder.path("env"), encoding: .utf8) == "feeder|/usr/bin:/bin|nohome")
    }

    @Test("a hook past its time limit is killed with its children; a non-zero exit is a failure with its message")
    func timeLimit() throws {
        let folder = try TemporaryFolder("smtq-hook")
        let script = folder.path("slow.sh")
        try """
            #!/bin/sh
            sleep 30 &
            echo $! > "\(folder.path("child"))"
            sleep 30
            """.write(toFile: script, atomically: true, encoding: .utf8)
        chmod(script, 0o755)
        let started = ContinuousClock.now
        let outcome = try ChildProcess.run([script], environment: [:], input: Data(), timeout: .milliseconds(500))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(outcome.timedOut)
        #expect(!outcome.succeeded)
        let child = try #require(Int32(String(contentsOfFile: folder.path("child"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)))
        // The background child was in the hook's process group: it is gone (or a zombie of init's).
        var gone = false
        for _ in 0..<50 where !gone {
            gone = kill(child, 0) != 0 || (try? String(contentsOfFile: "/proc/\(child)/stat", encoding: .utf8))?
                .split(separator: " ").dropFirst(2).first == "Z"
            if !gone { Thread.sleep(forTimeInterval: 0.05) }
        }
        #expect(gone)

        let failing = folder.path("fail.sh")
        try "#!/bin/sh\necho 'no route to andon light' >&2\nexit 3\n".write(toFile: failing, atomically: true, encoding: .utf8)
        chmod(failing, 0o755)
        let failed = try ChildProcess.run([failing], environment: [:], input: Data(), timeout: .seconds(10))
        #expect(failed.problem == "exit status 3: no route to andon light")
    }

    @Test("a hook that prints a lot is captured bounded and never blocks")
    func boundedOutput() throws {
        let outcome = try ChildProcess.run(["/bin/sh", "-c", "yes xxxxxxxxx | head -c 200000"], environment: [:],
                                           input: Data(), timeout: .seconds(10), captureLimit: 100)
        #expect(outcome.succeeded)
        #expect(outcome.output.hasPrefix("xxxxxxxxx\nxxxxxxxxx\n"))
        #expect(outcome.output.hasSuffix("(199900 more bytes)"))
    }

    @Test("a hook inherits nothing but its standard input, output and error")
    func noInheritedDescriptors() throws {
        let folder = try TemporaryFolder("smtq-hook")
        // A descriptor of this process without close-on-exec, as a device socket or database might be.
        let stray = open(folder.path("stray"), O_CREAT | O_WRONLY, 0o600)
        defer { close(stray) }
        let outcome = try ChildProcess.run(["/bin/ls", "/proc/self/fd"], environment: [:], input: Data(), timeout: .seconds(10))
        // ls itself opens the directory it lists (one more descriptor, above 2).
        let open = outcome.output.split(separator: "\n").compactMap { Int32($0) }
        #expect(open.filter { $0 > 2 }.count <= 1, "\(open)")
    }

    @Test("the webhook signature is HMAC-SHA256 of timestamp.body, as openssl computes it")
    func signature() {
        // printf '%s' '1700000000.{"a":1}' | openssl dgst -sha256 -hmac topsecret
        let signature = WebhookHook.signature(secret: Data("topsecret".utf8), timestamp: 1_700_000_000,
                                              body: Data("{\"a\":1}".utf8))
        #expect(signature == "sha256=6a939b0c71853d606167625a15168ee9188c6a511c773ef4f42d307f3849e50f")
    }
}
