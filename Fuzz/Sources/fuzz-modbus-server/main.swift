// Fuzzes the simulator's Modbus server (Sources/SMTQModbus/ModbusServer.swift, Sources/SMTQSimulator): the input
// is the bytes a simulated machine receives on its serial line. A fresh Simulator per input serves them on one end
// of a socketpair (Simulator.Endpoint.serialStream), through its real loop (`run`): RTU framing and CRC check,
// routing by unit id, libmodbus's modbus_reply / modbus_reply_exception on the unit's register mapping, FIFO ACK
// writes. Its answers are read from the other end and dropped.
//
// Input: byte 0 chooses.
//   bits 0-6: the machine (see `machines`): the reference AOI and tester (FIFO with ACK), counters only, a mailbox,
//             a one-based profile with records, counters and process values, and the AOI with exception and
//             garbage faults. Every machine answers unit ids 1, 2 and 247 and has 3 records queued (SEQ 1, 2, 3).
//   bit 7:    clear: the rest goes on the line as it is (a CRC must be right to be answered).
//             set:   the rest is frames, each a length byte and that many bytes, sent with their CRC appended.
// SMTQ_FUZZ_PRINT=1 prints the machine's answers.
import Foundation
import SMTQConfig
import SMTQCore
import SMTQModbus
import SMTQSimulator

#if canImport(Glibc)
import Glibc
#endif

/// One profile with records, counters and process values, addressed from 1 (the reference profiles start at 0).
let oneBasedProfile = """
    profiles:
      line-one-based:
        description: one-based addresses, records, counters and process values
        mode: fifo
        table: holding
        addressing: one_based
        max_registers_per_request: 100
        word_order: CDAB
        string_byte_order: low_first
        sequence: 1
        pending: 2
        ack: 201
        record:
          address: 3
          length: 60
          fields:
            serial:      {register: 0, type: string, length: 8}
            result:      {register: 8, type: bits, bit: 3, bits: 2, enum: {0: pass, 3: fail}}
            position:    {register: 9, type: i16}
            cycle_ms:    {register: 10, type: u64, word_order: DCBA}
            device_time: {register: 14, type: i64}
          defects:
            count: {register: 18, type: u16}
            first: 19
            stride: 10
            max: 4
            fields:
              refdes:   {register: 0, type: string, length: 3}
              code:     {register: 3, type: u32, enum: {1: BRIDGE, 70000: MISSING}}
              verdict:  {register: 5, type: u16, enum: {0: real, 1: false_call}}
              category: {register: 6, type: string, length: 4}
        counters:
          - {name: inspected, address: 301, type: u32, table: input}
          - {name: passed,    address: 303, type: u64, table: input}
          - {name: failed,    address: 307, type: u16}
        process_values:
          - {name: zone1, address: 401, type: i16, scale: 0.1, unit: C, lsl: 240, usl: 250}
          - {name: speed, address: 402, type: f32, unit: m/min}
          - {name: ppm,   address: 404, type: f64, table: input, lsl: 0, usl: 1000}
    """

func profile(_ text: String, _ name: String) -> DeviceProfile {
    do {
        guard let profile = try ConfigLoader.loadProfiles(text: text, file: name + ".yaml")[name] else {
            fatalError("fuzz-modbus-server: no profile \(name)")
        }
        return profile
    } catch {
        fatalError("fuzz-modbus-server: profile \(name): \(error)")
    }
}

func machine(_ kind: DeviceKind, _ mode: AcquisitionMode, _ profile: DeviceProfile,
             faults: Bool = false) -> SimulatorOptions {
    var options = SimulatorOptions(profile: profile)
    options.kind = kind
    options.mode = mode
    options.unitIDs = [1, 2, 247]
    // A record on every turn of `run` (the interval rounds to 0 ms), at most 4 waiting.
    options.rate = 1_000_000
    options.queueCapacity = 4
    options.defectRate = 0.5
    options.seed = 7
    if faults {
        options.exceptionRate = 0.3
        options.garbageRate = 0.3
    }
    return options
}

let machines: [SimulatorOptions] = {
    let aoi = profile(ReferenceProfiles.aoiReference, "aoi-reference")
    let tester = profile(ReferenceProfiles.testerReference, "tester-reference")
    let counters = profile(ReferenceProfiles.aoiCounters, "aoi-counters")
    return [
        machine(.aoi, .fifo, aoi),
        machine(.tester, .fifo, tester),
        machine(.aoi, .counters, counters),
        machine(.aoi, .mailbox, aoi),
        machine(.aoi, .fifo, profile(oneBasedProfile, "line-one-based")),
        machine(.aoi, .fifo, aoi, faults: true),
    ]
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    let options = machines[Int(input[0] & 0x7F) % machines.count]
    let line = input[0] & 0x80 == 0 ? Array(input.dropFirst()) : framed(input.dropFirst())
    serve(line, options)
    return 0
}

/// Frames given as a length byte and the bytes, each sent with its CRC (low byte first).
func framed(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> [UInt8] {
    var line: [UInt8] = []
    var index = bytes.startIndex
    while index < bytes.endIndex {
        let length = Int(bytes[index])
        index += 1
        let frame = bytes[index..<min(bytes.endIndex, index + length)]
        index = frame.endIndex
        let crc = CRC16.modbus(frame)
        line += frame
        line += [UInt8(crc & 0xFF), UInt8(crc >> 8)]
    }
    return line
}

/// A fresh machine serves `line` until it has read all of it; its answers are read and dropped.
func serve(_ line: [UInt8], _ options: SimulatorOptions) {
    var pair: [Int32] = [-1, -1]
    guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else {
        fatalError("fuzz-modbus-server: socketpair: \(String(cString: strerror(errno)))")
    }
    let (device, peer) = (pair[0], pair[1])
    defer { close(peer) }
    _ = fcntl(peer, F_SETFL, fcntl(peer, F_GETFL) | O_NONBLOCK)
    let simulator: Simulator
    do {
        simulator = try Simulator(options: options, endpoint: .serialStream(device))
    } catch {
        fatalError("fuzz-modbus-server: \(error)")
    }
    // Three turns before any request: records SEQ 1, 2 and 3 are queued.
    var turns = 0
    simulator.run { turns += 1; return turns > 3 }
    var sent = 0
    var rounds = 0
    while rounds < 1024, sent < line.count || readable(device) {
        if sent < line.count {
            let count = line[sent...].withUnsafeBytes { write(peer, $0.baseAddress, $0.count) }
            if count > 0 { sent += count }
        }
        turns = 0
        simulator.run { turns += 1; return turns > 1 }
        drain(peer)
        rounds += 1
    }
}

func readable(_ descriptor: Int32) -> Bool {
    var entry = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
    return poll(&entry, 1, 0) > 0 && entry.revents & Int16(POLLIN) != 0
}

/// SMTQ_FUZZ_PRINT=1: print what the machine answered, in hex (to see what a seed or a reproducer reaches).
let printing = ProcessInfo.processInfo.environment["SMTQ_FUZZ_PRINT"] == "1"

func drain(_ descriptor: Int32) {
    var buffer = [UInt8](repeating: 0, count: 4096)
    while case let count = read(descriptor, &buffer, buffer.count), count > 0 {
        if printing { print("answer:", buffer[..<count].map { String(format: "%02x", $0) }.joined(separator: " ")) }
    }
}
