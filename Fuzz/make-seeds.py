#!/usr/bin/env python3
"""Writes the committed seed corpora of the fuzz targets into Fuzz/Corpus/<target>/.

Run it from anywhere: `python3 Fuzz/make-seeds.py`. It replaces the seeds it writes (named seed-*) and leaves
other files alone: inputs merged in by `scripts/fuzz --merge`, and regression-* (reproducers of bugs the fuzzers
found, kept so every run checks them again). The seeds are:
- fuzz-config: every YAML file in config/ and Tests/SMTQConfigTests/Fixtures/, and config/smtq.yaml with the
  profiles it includes written inline (the fuzz target reads from an empty folder, so `include:` finds nothing);
- fuzz-import: lines of Tests/Reference/yield/units.jsonl (units with defects, measurements, bad lines), a
  process value, and a few lines that import refuses;
- fuzz-decoder: register blocks of the reference AOI and tester records (the layout of
  config/profiles/*-reference.yaml) and a few inputs with derived layouts;
- fuzz-modbus-server: requests of functions 1, 2, 3, 4, 5, 6, 15 and 16 and the FIFO's ACK write, with their CRC
  and as frames the target appends the CRC to, for each simulated machine.
"""
import glob
import os
import random
import struct

FUZZ = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(FUZZ)
CORPUS = os.path.join(FUZZ, "Corpus")


def write(target, name, data):
    folder = os.path.join(CORPUS, target)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    with open(os.path.join(folder, "seed-" + name), "wb") as handle:
        handle.write(data)


def clear(target):
    folder = os.path.join(CORPUS, target)
    for path in glob.glob(os.path.join(folder, "seed-*")):
        os.remove(path)


# fuzz-config ------------------------------------------------------------------------------------------------

def config_seeds():
    clear("fuzz-config")
    files = sorted(glob.glob(os.path.join(ROOT, "config", "**", "*.yaml"), recursive=True))
    files += sorted(glob.glob(os.path.join(ROOT, "Tests", "SMTQConfigTests", "Fixtures", "**", "*.yaml"), recursive=True))
    for path in files:
        name = os.path.relpath(path, ROOT).replace("/", "_")
        with open(path, "rb") as handle:
            write("fuzz-config", name, handle.read())
    # config/smtq.yaml with its included profiles inline.
    with open(os.path.join(ROOT, "config", "smtq.yaml")) as handle:
        main = handle.read()
    profiles = []
    for path in sorted(glob.glob(os.path.join(ROOT, "config", "profiles", "*.yaml"))):
        with open(path) as handle:
            text = handle.read()
        body = text.split("profiles:\n", 1)[1]
        profiles.append(body)
    lines = [line for line in main.split("\n") if not line.startswith("include:") and "profiles/*.yaml" not in line]
    write("fuzz-config", "smtq-inline-profiles.yaml", "\n".join(lines) + "\nprofiles:\n" + "".join(profiles))


# fuzz-import ------------------------------------------------------------------------------------------------

def import_seeds():
    clear("fuzz-import")
    with open(os.path.join(ROOT, "Tests", "Reference", "yield", "units.jsonl")) as handle:
        lines = [line.rstrip("\n") for line in handle if line.strip()]
    chosen = []
    for key in ("defects", "measurements", "position", "cycle_ms", "false_call", "\"v\"", "fail"):
        for line in lines:
            if key in line and line not in chosen:
                chosen.append(line)
                break
    chosen += [line for line in lines[:4] if line not in chosen]
    for index, line in enumerate(chosen):
        write("fuzz-import", "units-%02d.jsonl" % index, line + "\n")
    write("fuzz-import", "process-value.jsonl",
          '{"v":1,"type":"process_value","line":"L1","station":"REFLOW-1","device":"oven1","name":"zone3",'
          '"time":"2026-11-24T08:00:01Z","value":245.1,"unit":"C","lsl":240,"usl":250}\n')
    write("fuzz-import", "two-lines-crlf.jsonl", (chosen[0] + "\r\n" + chosen[-1] + "\r\n"))
    write("fuzz-import", "bad-lines.jsonl",
          '{"line":"L1","station":"AOI-1","device":"aoi1","program":"P","serial":"S1","result":"maybe",'
          '"time":"2026-11-24T08:00:01Z"}\n'
          '{"line":"L1","station":"AOI-1","device":"aoi1","program":"P","serial":"S1","result":"pass",'
          '"time":"2026-02-30T08:00:01+01:00"}\n'
          '{"type":"process_value","line":"L1","station":"S","device":"d","name":"n","time":"2026-11-24 08:00:01.5z",'
          '"value":1e308,"lsl":2,"usl":1}\n'
          '{"v":2,"line":"L1"}\n'
          '{"value":1}\n'
          '[1,2]\n')


# fuzz-decoder -----------------------------------------------------------------------------------------------

def text_words(text, length, low_first=False):
    data = text.encode()[: length * 2].ljust(length * 2, b"\0")
    words = []
    for index in range(0, len(data), 2):
        first, second = data[index], data[index + 1]
        words.append(second << 8 | first if low_first else first << 8 | second)
    return words


def u32_words(value, order="ABCD"):
    high, low = value >> 16 & 0xFFFF, value & 0xFFFF
    return [high, low] if order == "ABCD" else [low, high]


def f32_words(value, order):
    return u32_words(struct.unpack(">I", struct.pack(">f", value))[0], order)


def aoi_block(defects):
    block = [0] * 121
    block[0:10] = text_words("U1-42", 10)
    block[10:18] = text_words("PCB-A", 8)
    block[18] = 1 if defects else 0
    block[19] = 2
    block[20:22] = u32_words(1234)
    block[22:24] = u32_words(1795939201)
    block[24] = len(defects)
    for index, (refdes, part, code, verdict) in enumerate(defects):
        base = 25 + index * 16
        block[base:base + 4] = text_words(refdes, 4)
        block[base + 4:base + 12] = text_words(part, 8)
        block[base + 12] = code
        block[base + 13] = verdict
    return block


def tester_block(measurements):
    block = [0] * 121
    block[0:10] = text_words("U2-7", 10)
    block[10:18] = text_words("PCB-B", 8)
    block[18] = 0
    block[19] = 1
    block[20:22] = u32_words(987, "CDAB")
    block[22:24] = u32_words(1795939201, "CDAB")
    block[24] = len(measurements)
    for index, (name, value, unit) in enumerate(measurements):
        base = 25 + index * 8
        block[base:base + 4] = text_words(name, 4)
        block[base + 4:base + 6] = f32_words(value, "CDAB")
        block[base + 6:base + 8] = text_words(unit, 2)
    return block


def registers(words):
    return b"".join(struct.pack(">H", word) for word in words)


def decoder_seeds():
    clear("fuzz-decoder")
    aoi_pass = aoi_block([])
    aoi_fail = aoi_block([("C12", "CAP-0402", 4, 0), ("R7", "RES-0402", 1, 1)])
    aoi_full = aoi_block([("U%d" % n, "IC-QFN32", 1 + n % 10, n % 2) for n in range(6)])
    tester = tester_block([("VCC", 3.3, "V"), ("ICC", 50.2, "mA"), ("VREF", 1.25, "V")])
    write("fuzz-decoder", "aoi-pass.bin", bytes([0x00]) + registers(aoi_pass))
    write("fuzz-decoder", "aoi-fail.bin", bytes([0x00]) + registers(aoi_fail))
    write("fuzz-decoder", "aoi-six-defects.bin", bytes([0x00]) + registers(aoi_full))
    write("fuzz-decoder", "aoi-low-first-quirk.bin", bytes([0x08]) + registers(aoi_fail))
    write("fuzz-decoder", "aoi-short-padded.bin", bytes([0x10]) + registers(aoi_fail[:40]))
    write("fuzz-decoder", "tester.bin", bytes([0x02]) + registers(tester))
    write("fuzz-decoder", "tester-high-first-quirk.bin", bytes([0x06]) + registers(tester))
    # Derived layouts: a layout header (see LayoutReader.layout() in the target) and registers.
    generator = random.Random(20261202)
    for index in range(6):
        header = bytes(generator.randrange(256) for _ in range(48 + 16 * index))
        body = bytes(generator.randrange(256) for _ in range(64 * (index + 1)))
        write("fuzz-decoder", "derived-%d.bin" % index, bytes([0x11 | (index % 3) << 2]) + header + body)


# fuzz-modbus-server -----------------------------------------------------------------------------------------

def crc16(data):
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0xA001 if crc & 1 else crc >> 1
    return crc


def rtu(pdu):
    crc = crc16(pdu)
    return pdu + bytes([crc & 0xFF, crc >> 8])


def request(unit, function, *fields, values=None, raw=None):
    pdu = bytes([unit, function]) + b"".join(struct.pack(">H", field) for field in fields)
    if values is not None:
        pdu += bytes([len(values) * 2]) + b"".join(struct.pack(">H", value) for value in values)
    if raw is not None:
        pdu += bytes([len(raw)]) + raw
    return pdu


def modbus_seeds():
    clear("fuzz-modbus-server")
    frames = {
        "read-coils": request(1, 1, 0, 16),
        "read-discrete": request(1, 2, 0, 16),
        "read-holding-record": request(1, 3, 0, 123),
        "read-input": request(1, 4, 0, 8),
        "write-coil": request(1, 5, 3, 0xFF00),
        "write-register": request(1, 6, 10, 0x1234),
        "write-coils": request(1, 15, 0, 10, raw=bytes([0xCD, 0x01])),
        "write-registers": request(1, 16, 100, values=[1, 2, 3]),
        "ack-seq-1": request(1, 6, 200, 1),
        "ack-seq-1-multiple": request(1, 16, 199, values=[0, 1, 0]),
        "unit-247-read": request(247, 3, 0, 2),
        "unit-9-not-served": request(9, 3, 0, 2),
        "broadcast-write": request(0, 6, 200, 1),
        "illegal-count": request(1, 3, 0, 200),
        "illegal-address": request(2, 3, 4090, 10),
    }
    # A collector's poll of the FIFO: read SEQ, PENDING and the head record, ACK it, read again, ACK the next.
    poll = rtu(request(1, 3, 0, 123)) + rtu(request(1, 6, 200, 1)) + rtu(request(1, 3, 0, 123)) + rtu(request(1, 6, 200, 2))
    for machine in range(6):
        for name, pdu in frames.items():
            if machine == 0 or name in ("read-holding-record", "read-input", "ack-seq-1", "write-registers"):
                write("fuzz-modbus-server", "m%d-%s.bin" % (machine, name), bytes([machine]) + rtu(pdu))
        write("fuzz-modbus-server", "m%d-poll.bin" % machine, bytes([machine]) + poll)
        framed = b"".join(bytes([len(pdu)]) + pdu for pdu in
                          (request(1, 3, 0, 123), request(1, 6, 200, 1), request(2, 4, 300, 10), request(1, 16, 199, values=[0, 2, 0])))
        write("fuzz-modbus-server", "m%d-framed-poll.bin" % machine, bytes([0x80 | machine]) + framed)
    # Line noise: a bad CRC, a frame cut short, two frames run together, a stray byte first.
    good = rtu(request(1, 3, 0, 10))
    write("fuzz-modbus-server", "bad-crc.bin", bytes([0]) + good[:-1] + bytes([good[-1] ^ 0xFF]))
    write("fuzz-modbus-server", "cut-short.bin", bytes([0]) + rtu(request(1, 16, 199, values=[0, 1, 0]))[:9])
    write("fuzz-modbus-server", "stray-byte.bin", bytes([0, 0x55]) + good)


if __name__ == "__main__":
    config_seeds()
    import_seeds()
    decoder_seeds()
    modbus_seeds()
    for target in sorted(os.listdir(CORPUS)):
        folder = os.path.join(CORPUS, target)
        files = os.listdir(folder)
        size = sum(os.path.getsize(os.path.join(folder, name)) for name in files)
        print("%s: %d files, %d bytes" % (target, len(files), size))
