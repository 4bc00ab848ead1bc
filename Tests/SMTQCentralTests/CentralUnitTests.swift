import Foundation
import NIOCore
@testable import SMTQCentral
import SMTQConfig
import SMTQStore
import Testing

/// The central database's pure parts: placeholders, COPY text, keys, monthly partitions, URLs.
struct CentralUnitTests {
    @Test("? becomes $1, $2 … outside quoted text only")
    func placeholders() {
        #expect(PostgresReader.numbered("SELECT a FROM t WHERE x = ? AND y IN (?,?)") == "SELECT a FROM t WHERE x = $1 AND y IN ($2,$3)")
        #expect(PostgresReader.numbered("SELECT coalesce(d.code, '?') FROM t WHERE c = ? AND d = 'it''s ?'") ==
                "SELECT coalesce(d.code, '?') FROM t WHERE c = $1 AND d = 'it''s ?'")
        #expect(PostgresReader.numbered("SELECT 1") == "SELECT 1")
    }

    @Test("COPY text: NULL, escapes of the separators, full-precision reals")
    func copyText() {
        func text(_ value: SQLValue) -> String {
            var buffer = ByteBufferAllocator().buffer(capacity: 32)
            CopyText.write(value, to: &buffer)
            return buffer.readString(length: buffer.readableBytes)!
        }
        #expect(text(.null) == "\\N")
        #expect(text(.integer(-42)) == "-42")
        #expect(text(.text("a\tb\nc\\d\re")) == "a\\tb\\nc\\\\d\\re")
        #expect(text(.text("plain ünïcode")) == "plain ünïcode")
        #expect(text(.real(0.1 + 0.2)) == "0.30000000000000004")
        #expect(Double(text(.real(1.0e-300))) == 1.0e-300)
        #expect(text(.real(.infinity)) == "Infinity" && text(.real(-.infinity)) == "-Infinity" && text(.real(.nan)) == "NaN")
        #expect(text(.blob([0x00, 0xff])) == "\\\\x00ff")
    }

    @Test("central keys pack (host, local id) and unpack again")
    func keys() {
        for (host, local) in [(Int32(1), Int64(1)), (7, 123_456_789), (8_000_000, (1 << 40) - 1)] {
            let id = CentralKey.id(host: host, local: local)
            #expect(CentralKey.local(id) == local && id >> 40 == Int64(host))
        }
        #expect(CentralKey.id(host: 1, local: 5) != CentralKey.id(host: 2, local: 5))
        #expect(CentralKey.fits(1) && !CentralKey.fits(1 << 40) && !CentralKey.fits(-1))
    }

    @Test("monthly partitions: UTC month bounds, names, a year's turn, times before 1970")
    func partitions() {
        let december = CentralPartitions.month(Date(timeIntervalSince1970: 1_796_180_000).storeMicroseconds)  // 2026-12-02
        #expect(CentralPartitions.name("units", december) == "units_p202612")
        let (from, to) = CentralPartitions.bounds(december)
        #expect(from == 1_796_083_200_000_000 && to == 1_798_761_600_000_000)  // 2026-12-01 and 2027-01-01 UTC
        #expect(CentralPartitions.month(to) == december + 1 && CentralPartitions.month(to - 1) == december)
        #expect(CentralPartitions.name("defects", december + 1) == "defects_p202701")
        let old = CentralPartitions.month(-1)
        #expect(CentralPartitions.name("units", old) == "units_p196912" && CentralPartitions.bounds(old).to == 0)
        #expect(CentralPartitions.create(december).components(separatedBy: "PARTITION OF").count == 4)
    }

    @Test("script statements split at line-ending semicolons")
    func statements() {
        #expect(CentralSchema.statements("CREATE TABLE a (x int);\nCREATE INDEX b ON a (x);\n") == ["CREATE TABLE a (x int)", "CREATE INDEX b ON a (x)"])
        #expect(CentralSchema.statements(CentralSchema.v1).count > 15)
    }

    @Test("URLs: the parts, defaults, the password kept out of messages")
    func urls() throws {
        let address = try PostgresAddress.parse("postgresql://qe@[::1]:6543/plant?sslmode=verify-full").get()
        #expect(address.host == "::1" && address.port == 6543 && address.user == "qe" && address.database == "plant" && address.tls == .verifyFull)
        #expect(address.description == "postgresql://qe@[::1]:6543/plant")
        let secret = try PostgresAddress.parse("postgres://qe:hunter2@db/plant").get()
        #expect(secret.urlPassword == "hunter2" && !secret.description.contains("hunter2"))
        guard case let .failure(problem) = PostgresAddress.parse("postgresql://qe:hunter2@db/") else {
            Issue.record("a URL without a database was accepted")
            return
        }
        #expect(problem.message.contains("names no database") && !problem.message.contains("hunter2"))
        let target = try CentralTarget(url: "postgresql://qe@db.plant/plant")
        #expect(target.tls == .verifyFull)
        #expect(try CentralTarget(url: "postgresql://qe@localhost/plant").tls == .disable)
    }
}
