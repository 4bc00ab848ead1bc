import Foundation
import GRDB
import SMTQCore
import SMTQStore
import SMTQTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The database's file system failing under the running smtqd: full for real (a small tmpfs when this
/// machine lets the test mount one, otherwise a file-size limit on the daemon), read-only, the file deleted
/// or replaced, and a disk so slow a commit takes seconds. The FIFO machine's queue is the safety net: what
/// is not durable is not acknowledged, so it is read again once the store works.
@Suite(.serialized)
struct StorageFaultTests {
    /// A FIFO machine and smtqd on a store in `rig.database`; `daemon` starts it (so a scenario can wrap it).
    func start(_ rig: Rig, count: Int, rate: Int, daemon: (Rig) throws -> RunningProduct = { try $0.daemon() })
        throws -> (daemon: RunningProduct, simulator: RunningProduct, log: URL) {
        let port = TestNetwork.freePort()
        try rig.writeConfig(devices: [
            #"{name: aoi1, line: L1, station: AOI-1, kind: aoi, profile: aoi-reference, tcp: "127.0.0.1:\#(port)", unit_id: 1, poll_interval: 20ms, timeout: 500ms, backoff: {initial: 50ms, max: 500ms}}"#,
        ])
        let running = try daemon(rig)
        let (simulator, log) = try rig.simulator("aoi1", ["--kind", "aoi", "--listen", "127.0.0.1:\(port)", "--rate", "\(rate)",
                                                          "--count", "\(count)", "--defect-rate", "0.5", "--serial-prefix", "S-"])
        return (running, simulator, log)
    }

    /// Waits for every produced record, stops smtqd and checks the store against the log.
    func finish(_ name: String, _ rig: Rig, _ daemon: RunningProduct, log: URL, count: Int, notes: [String] = []) throws {
        let complete = Rig.wait(seconds: 120) { rig.units(device: "aoi1") >= count }
        #expect(daemon.stop().status == 0, "\(rig.daemonLog.suffix(2000))")
        #expect(complete, "\(name): stored \(rig.units(device: "aoi1")) of \(count)")
        var figures = ScenarioFigures(name)
        figures.add(produced: try SimulatorLog.records(log), stored: try rig.storedUnits()["aoi1"] ?? [])
        figures.notes += notes
        figures.report()
        #expect(figures.clean && figures.produced == count, "\(figures)")
    }

    static func run(_ executable: String, _ arguments: [String]) -> Bool {
        ((try? ChildProcess.run(executable, arguments))?.status ?? 1) == 0
    }

    /// While the disk refuses writes: the stored count stands still while the machine keeps producing (its
    /// queue holds what was not acknowledged), and the daemon said so once.
    func expectHeld(_ rig: Rig, log: URL, seconds: Double = 3) {
        #expect(Rig.wait(seconds: 30) { rig.daemonLog.contains("database write failed") }, "\(rig.daemonLog.suffix(1500))")
        let held = rig.units(device: "aoi1")
        let producedBefore = (try? SimulatorLog.records(log).count) ?? 0
        usleep(UInt32(seconds * 1_000_000))
        #expect(rig.units(device: "aoi1") == held, "nothing is stored while the disk is full")
        #expect(((try? SimulatorLog.records(log).count) ?? 0) > producedBefore, "the machine kept producing")
    }

    @Test("the database's file system fills up: no ACKs, nothing lost, recovery when space returns")
    func fullDisk() throws {
        let rig = try Rig()
        let store = rig.folder.appendingPathComponent("store")
        try FileManager.default.createDirectory(at: store, withIntermediateDirectories: true)
        let mounted = Self.run("/bin/mount", ["-t", "tmpfs", "-o", "size=1536k", "tmpfs", store.path])
        defer { if mounted { _ = Self.run("/bin/umount", ["-l", store.path]) } }
        rig.database = store.appendingPathComponent("smtq.sqlite").path
        let count = 3000
        let limit = 1536 * 1024
        let (daemon, simulator, log) = try start(rig, count: count, rate: 400) { rig in
            if mounted { return try rig.daemon() }
            return try RunningProduct("/usr/bin/prlimit", ["--fsize=\(limit)", TestEnvironment.product("smtqd").path,
                                                           "--config", rig.path("smtq.yaml"), "--log-level", "notice"],
                                      logPath: rig.path("smtqd.log"))
        }
        defer { simulator.stop() }
        expectHeld(rig, log: log)
        // Space returns.
        if mounted {
            #expect(Self.run("/bin/mount", ["-o", "remount,size=64m", store.path]))
        } else {
            #expect(Self.run("/usr/bin/prlimit", ["--pid", "\(daemon.pid)", "--fsize=unlimited"]))
        }
        #expect(Rig.wait(seconds: 30) { rig.daemonLog.contains("database writes work again") })
        try finish("full disk", rig, daemon, log: log, count: count,
                   notes: [mounted ? "a 1.5 MiB tmpfs, grown to 64 MiB" : "RLIMIT_FSIZE 1.5 MiB on smtqd (no mount here), lifted with prlimit"])
    }

    /// Read-only for root too: the immutable attribute (chattr +i) on the database and its WAL. (A remount
    /// read-only is refused while smtqd has the files open for writing.)
    @Test("the database file made read-only under the running daemon, and writable again")
    func readOnly() throws {
        let rig = try Rig()
        let count = 1500
        let (daemon, simulator, log) = try start(rig, count: count, rate: 200)
        defer { simulator.stop() }
        #expect(Rig.wait(seconds: 20) { rig.units(device: "aoi1") >= 100 })
        let files = [rig.database, rig.database + "-wal"]
        try #require(Self.run("/usr/bin/chattr", ["+i"] + files), "chattr +i is refused here (it needs CAP_LINUX_IMMUTABLE and ext4 or similar)")
        defer { _ = Self.run("/usr/bin/chattr", ["-i"] + files) }
        expectHeld(rig, log: log)
        // A restart meanwhile fails with one line naming the file, and changes nothing.
        let second = try RunningProduct("smtqd", ["--config", rig.path("smtq.yaml")], logPath: rig.path("second.log"))
        let refused = Rig.wait(seconds: 20) { !second.isRunning }
        let status = second.stop().status
        let secondOutput = (try? String(contentsOfFile: rig.path("second.log"), encoding: .utf8)) ?? ""
        print("scenario read-only database, a second smtqd: exit \(status): \(secondOutput.split(separator: "\n").last ?? "")")
        #expect(refused && status == 73, "\(secondOutput)")
        #expect(Self.run("/usr/bin/chattr", ["-i"] + files))
        #expect(Rig.wait(seconds: 30) { rig.daemonLog.contains("database writes work again") })
        try finish("database file read-only", rig, daemon, log: log, count: count)
    }

    @Test("the database deleted under the running daemon: it stops acknowledging, exits 75, and a restart carries on")
    func deleted() throws {
        let rig = try Rig()
        let count = 1500
        let (daemon, simulator, log) = try start(rig, count: count, rate: 200)
        defer { simulator.stop() }
        #expect(Rig.wait(seconds: 20) { rig.units(device: "aoi1") >= 200 })
        // Moved aside rather than unlinked, so the test can read what the orphaned file holds.
        for suffix in ["", "-wal", "-shm"] {
            rename(rig.database + suffix, rig.path("moved.sqlite") + suffix)
        }
        #expect(Rig.wait(seconds: 20) { !daemon.isRunning }, "smtqd noticed")
        #expect(daemon.stop().status == 75)
        #expect(rig.daemonLog.contains("was deleted while smtqd was running"), "\(rig.daemonLog.suffix(1500))")
        let orphaned = try StoreDatabase.openReadOnly(path: rig.path("moved.sqlite")).read {
            Set(try String.fetchAll($0, sql: "SELECT serial FROM units"))
        }
        // systemd restarts it: a new store at the path, every record not acknowledged read again into it.
        let restarted = try rig.daemon()
        let complete = Rig.wait(seconds: 120) {
            ((try? SimulatorLog.records(log).count) ?? 0) >= count && rig.units(device: "aoi1") + orphaned.count >= count
        }
        usleep(500_000)
        #expect(restarted.stop().status == 0)
        #expect(complete)
        let produced = try SimulatorLog.records(log)
        let stored = try rig.storedUnits()["aoi1"] ?? []
        let fresh = Set(stored.map(\.serial))
        let missing = produced.filter { !fresh.contains($0.record.serial) && !orphaned.contains($0.record.serial) }
        let both = fresh.intersection(orphaned)
        print("scenario database deleted: produced \(produced.count), in the orphaned file \(orphaned.count), in the new store \(stored.count), in both \(both.count) (committed to the orphan but never acknowledged), lost \(missing.count)")
        #expect(missing.isEmpty)
        #expect(stored.count == fresh.count, "nothing twice in the new store")
        #expect(both.count <= 500, "only the last batch (never acknowledged) is in both")
    }

    @Test("a disk so slow that a commit takes seconds (another process holds the write lock): ACKs wait, nothing lost")
    func slowDisk() throws {
        let rig = try Rig()
        let count = 600
        let (daemon, simulator, log) = try start(rig, count: count, rate: 60)
        defer { simulator.stop() }
        #expect(Rig.wait(seconds: 20) { rig.units(device: "aoi1") >= 50 })
        // Holds the write lock 2.5 s at a time, four times: each commit waits for it.
        let holder = try RunningProduct("/usr/bin/python3", ["-c", """
            import sqlite3, sys, time
            db = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
            for _ in range(4):
                db.execute("BEGIN IMMEDIATE")
                time.sleep(2.5)
                db.execute("ROLLBACK")
                time.sleep(0.05)
            print("released")
            """, rig.database], logPath: rig.path("holder.log"))
        usleep(500_000)
        let before = rig.units(device: "aoi1")
        usleep(1_500_000)
        #expect(rig.units(device: "aoi1") - before < 20, "while the lock is held nothing (or one batch) commits")
        #expect(Rig.wait(seconds: 30) { !holder.isRunning })
        try finish("slow disk (commits wait seconds for the write lock)", rig, daemon, log: log, count: count)
    }
}
