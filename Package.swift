// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "smtq",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "smtq", targets: ["smtq"]),
        .executable(name: "smtqd", targets: ["smtqd"]),
        .library(name: "SMTQCore", targets: ["SMTQCore"]),
        .library(name: "SMTQConfig", targets: ["SMTQConfig"]),
        // For the fuzz targets in Fuzz/ (a package of its own that depends on this one).
        .library(name: "SMTQModbus", targets: ["SMTQModbus"]),
        .library(name: "SMTQAcquisition", targets: ["SMTQAcquisition"]),
        .library(name: "SMTQSimulator", targets: ["SMTQSimulator"]),
        .library(name: "SMTQStore", targets: ["SMTQStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    ],
    targets: [
        // libmodbus from Debian's libmodbus-dev, found through pkg-config.
        .systemLibrary(
            name: "CModbus",
            pkgConfig: "libmodbus",
            providers: [.apt(["libmodbus-dev"])]
        ),
        // The record model and the small value types every module shares. No I/O.
        .target(name: "SMTQCore"),
        // YAML configuration: typed values, validation, FILE:LINE diagnostics.
        .target(
            name: "SMTQConfig",
            dependencies: ["SMTQCore", .product(name: "Yams", package: "Yams")]
        ),
        // The safe Swift layer over libmodbus.
        .target(name: "SMTQModbus", dependencies: ["CModbus", "SMTQCore"]),
        // Register decoding and request planning (pure), device pollers and bus workers.
        .target(
            name: "SMTQAcquisition",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQModbus",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // Device simulators on libmodbus's server side (tests, the demo, benchmarks).
        .target(
            name: "SMTQSimulator",
            dependencies: ["SMTQCore", "SMTQConfig", "SMTQModbus", "SMTQAcquisition", "CModbus"]
        ),
        // Yield and SPC statistics: pure functions and values, no I/O.
        .target(name: "SMTQStatistics", dependencies: ["SMTQCore"]),
        // SQLite storage through GRDB.
        .target(
            name: "SMTQStore",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStatistics",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Metrics", package: "swift-metrics"),
            ]
        ),
        // The live SPC engine on the `smtq.spc` DispatchQueue, fed by the store's commits.
        .target(
            name: "SMTQEngine",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStatistics", "SMTQStore",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        // Alert rules on the store's commits and the engine's points, the durable outbox and its hooks.
        .target(
            name: "SMTQAlerts",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStore", "SMTQEngine",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Report queries over the store and their rendering: tables, CSV, JSON, SVG, HTML.
        .target(
            name: "SMTQReports",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStatistics", "SMTQStore",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        // The dashboard: pages, API and live stream over the store, scoped per viewer (plant or customer).
        .target(
            name: "SMTQDashboard",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStore", "SMTQStatistics", "SMTQReports",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // The plant's central PostgreSQL: its schema, forwarding into it, and report reads from it.
        .target(
            name: "SMTQCentral",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStore",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The daemon's composition: services, signals, systemd notification.
        .target(
            name: "SMTQDaemon",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQAcquisition", "SMTQStore", "SMTQEngine", "SMTQAlerts", "SMTQDashboard", "SMTQCentral",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ]
        ),
        .executableTarget(
            name: "smtq",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQModbus", "SMTQStore", "SMTQAcquisition", "SMTQSimulator", "SMTQStatistics",
                "SMTQEngine", "SMTQReports", "SMTQDaemon", "SMTQAlerts", "SMTQDashboard", "SMTQCentral", .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Benchmarks and test probes (not installed): `swift run -c release smtq-bench --help`.
        .target(name: "CIngestBaseline", linkerSettings: [.linkedLibrary("sqlite3")]),
        .target(name: "CPollBaseline", dependencies: ["CModbus"]),
        .executableTarget(
            name: "smtq-bench",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQStore", "SMTQModbus", "SMTQAcquisition", "SMTQEngine", "SMTQAlerts", "CIngestBaseline",
                "CPollBaseline",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "smtqd",
            dependencies: [
                "SMTQCore", "SMTQConfig", "SMTQDaemon",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Paths shared by the test targets: the repository, Tests/Reference, the built executables.
        .target(name: "SMTQTestSupport", dependencies: ["SMTQCore"], path: "Tests/SMTQTestSupport"),
        .testTarget(name: "SMTQCoreTests", dependencies: ["SMTQCore", "SMTQTestSupport"]),
        .testTarget(
            name: "SMTQStoreTests",
            dependencies: ["SMTQStore", "SMTQCore", "SMTQConfig", "SMTQTestSupport", .product(name: "Logging", package: "swift-log")]
        ),
        .testTarget(
            name: "SMTQAcquisitionTests",
            dependencies: [
                "SMTQAcquisition", "SMTQConfig", "SMTQCore", "SMTQStore", "SMTQSimulator", "SMTQTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SMTQEngineTests",
            dependencies: [
                "SMTQEngine", "SMTQReports", "SMTQStore", "SMTQStatistics", "SMTQConfig", "SMTQCore", "SMTQTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SMTQReportsTests",
            dependencies: [
                "SMTQReports", "SMTQStore", "SMTQStatistics", "SMTQConfig", "SMTQCore", "SMTQTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
            ]
        ),
        .testTarget(
            name: "SMTQAlertsTests",
            dependencies: [
                "SMTQAlerts", "SMTQStore", "SMTQEngine", "SMTQConfig", "SMTQCore", "SMTQTestSupport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        .testTarget(
            name: "SMTQDashboardTests",
            dependencies: [
                "SMTQDashboard", "SMTQReports", "SMTQConfig", "SMTQCore", "SMTQStore", "SMTQTestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "SMTQCentralTests",
            dependencies: [
                "SMTQCentral", "SMTQStore", "SMTQConfig", "SMTQCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "SMTQStatisticsTests", dependencies: ["SMTQStatistics", "SMTQCore", "SMTQTestSupport"]),
        .testTarget(name: "SMTQConfigTests", dependencies: ["SMTQConfig", "SMTQCore", "SMTQTestSupport"], exclude: ["Fixtures"]),
        // Runs the built `smtq` and `smtqd` binaries as a user would (the store only writes test databases).
        .testTarget(name: "SMTQCLITests", dependencies: ["SMTQTestSupport", "SMTQStore", "SMTQCore", "SMTQConfig"]),
        // The composed smtqd under crashes, device and storage faults and hostile input (issue 17).
        .testTarget(
            name: "SMTQReliabilityTests",
            dependencies: [
                "SMTQTestSupport", "SMTQStore", "SMTQCore", "SMTQConfig",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)
