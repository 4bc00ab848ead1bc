// swift-tools-version:6.1
// libFuzzer targets for smtq's parsers and decoders: a package of its own so the sanitizer builds stay out of the
// main package's .build. Build and run them with scripts/fuzz, which builds with
//   swift build --package-path Fuzz -c debug --sanitize fuzzer -Xswiftc -sanitize=fuzzer,address -Xcc -fsanitize=address
// (not `--sanitize fuzzer --sanitize address`: the Swift driver keeps only the last -sanitize= it is given).
import PackageDescription

/// Each target is one `LLVMFuzzerTestOneInput`; libFuzzer brings `main`.
let fuzzTarget: [SwiftSetting] = [.unsafeFlags(["-parse-as-library"])]

let package = Package(
    name: "smtq-fuzz",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "smtq", path: ".."),
    ],
    targets: [
        // RecordDecoder with the reference profiles' layouts and with layouts derived from the input.
        .executableTarget(
            name: "fuzz-decoder",
            dependencies: [
                .product(name: "SMTQAcquisition", package: "smtq"),
                .product(name: "SMTQConfig", package: "smtq"),
                .product(name: "SMTQStore", package: "smtq"),
            ],
            swiftSettings: fuzzTarget
        ),
        // The configuration parser behind `smtq check-config` and `smtqd --check-config`.
        .executableTarget(
            name: "fuzz-config",
            dependencies: [.product(name: "SMTQConfig", package: "smtq")],
            swiftSettings: fuzzTarget
        ),
        // One line of `smtq import` (interchange JSON Lines) into a validated record, and back out as export writes it.
        .executableTarget(
            name: "fuzz-import",
            dependencies: [
                .product(name: "SMTQStore", package: "smtq"),
                .product(name: "SMTQCore", package: "smtq"),
            ],
            swiftSettings: fuzzTarget
        ),
        // The simulator's Modbus RTU server: request bytes as they arrive on its serial line.
        .executableTarget(
            name: "fuzz-modbus-server",
            dependencies: [
                .product(name: "SMTQSimulator", package: "smtq"),
                .product(name: "SMTQModbus", package: "smtq"),
                .product(name: "SMTQConfig", package: "smtq"),
            ],
            swiftSettings: fuzzTarget
        ),
    ],
    swiftLanguageModes: [.v6]
)
