// swift-tools-version:6.0
import PackageDescription

// VetEngine is optimised in debug builds too (the test suite runs real generations, which
// unoptimised Swift makes a hundred times slower), and on x86-64 it is compiled for x86-64-v3
// (Haswell: AVX2, FMA, F16C), which its kernels need to be fast and to round as llama.cpp's do.
// `modelvet` checks the CPU before it calls into the engine; nothing else in the package uses
// these instructions, so scanning works on any x86-64.
var engineSettings: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]
#if arch(x86_64)
engineSettings.append(.unsafeFlags(["-Xfrontend", "-target-cpu", "-Xfrontend", "haswell"]))
#endif

let package = Package(
    name: "ModelVet",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "modelvet", targets: ["modelvet"]),
        .library(name: "VetScanner", targets: ["VetScanner"]),
        .library(name: "VetFormats", targets: ["VetFormats"]),
        .library(name: "VetFixtures", targets: ["VetFixtures"]),
        .library(name: "VetRules", targets: ["VetRules"]),
        .library(name: "VetEngine", targets: ["VetEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.5.2"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CLzma", path: "Sources/CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBzip2", path: "Sources/CBzip2", providers: [.apt(["libbz2-dev"])]),
        .target(name: "VetBytes"),
        .target(name: "VetCore", dependencies: ["VetBytes"]),
        // The format layer: one module per family of formats, each a pure parser over VetBytes.
        .target(name: "VetArchives", dependencies: ["VetCore", "VetBytes", "CZlib", "CLzma", "CBzip2"]),
        .target(name: "VetPickle", dependencies: ["VetCore", "VetBytes"]),
        .target(name: "VetGGUF", dependencies: ["VetCore", "VetBytes"]),
        .target(name: "VetText", dependencies: ["VetCore", "VetBytes", .product(name: "Yams", package: "Yams")]),
        .target(name: "VetSafeTensors", dependencies: ["VetCore", "VetBytes", "VetText"]),
        .target(name: "VetGraphs", dependencies: ["VetCore", "VetBytes"]),
        .target(name: "VetKeras", dependencies: ["VetCore", "VetBytes", "VetArchives", "VetText"]),
        .target(name: "VetJinja", dependencies: ["VetCore", "VetBytes"]),
        .target(name: "VetFormats", dependencies: [
            "VetArchives", "VetPickle", "VetGGUF", "VetText", "VetSafeTensors", "VetGraphs", "VetKeras", "VetJinja",
        ]),
        // Writers of every format, for rule examples, tests and fuzz seeds; never linked by the engine.
        .target(name: "VetFixtures", dependencies: ["VetArchives", "VetPickle", "VetGGUF", "VetGraphs", "VetBytes"]),
        .target(name: "VetRules", dependencies: [
            "VetCore", "VetBytes", "VetArchives", "VetPickle", "VetGGUF", "VetText", "VetSafeTensors", "VetGraphs", "VetKeras",
            "VetJinja", "VetFixtures", .product(name: "TOMLKit", package: "TOMLKit"),
        ]),
        .target(name: "VetReports", dependencies: ["VetCore", .product(name: "Mustache", package: "swift-mustache")]),
        .target(name: "VetScanner", dependencies: ["VetCore", "VetBytes", "VetRules", "VetReports"]),
        // The four AVX2 byte instructions the engine's kernels are built on, as inlinable Swift
        // functions (see Sources/VetSIMD); -parse-stdlib lets it name them.
        .target(name: "VetSIMD", swiftSettings: engineSettings + [.unsafeFlags(["-parse-stdlib"])]),
        .target(name: "VetEngine", dependencies: ["VetBytes", "VetCore", "VetGGUF", "VetJinja", "VetSIMD", "VetSafeTensors"], swiftSettings: engineSettings),
        // The behavioural half (issue 10): probe suites, judges and the statistics of their rates.
        .target(name: "VetProbes", dependencies: [
            .product(name: "AsyncHTTPClient", package: "async-http-client"), .product(name: "NIOCore", package: "swift-nio"),
        ]),
        // Weights compared across formats (issue 11): tensor access for GGUF, safetensors and PyTorch zip, diff and lineage.
        .target(name: "VetLineage", dependencies: ["VetBytes", "VetCore", "VetGGUF", "VetSafeTensors", "VetText", "VetEngine", "VetArchives", "VetPickle"],
                swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // Provenance (issue 12): manifests, signatures and BOMs of a model's files, compatible with OpenSSF model signing.
        .target(name: "VetProvenance", dependencies: [
            "VetBytes", "VetCore", "VetGGUF", "VetSafeTensors", "VetText", .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        // The vetting service (issue 14): the job queue and result cache (SQLite or PostgreSQL), content-addressed uploads, tokens.
        .target(name: "VetService", dependencies: [
            "VetCore", "VetBytes", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "PostgresNIO", package: "postgres-nio"), .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // Its HTTP side: the API, the web UI, limits and metrics (Hummingbird).
        .target(name: "VetServer", dependencies: [
            "VetService", "VetCore", "VetReports", .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Mustache", package: "swift-mustache"), .product(name: "Logging", package: "swift-log"),
            .product(name: "Prometheus", package: "swift-prometheus"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        .target(name: "VetCommands", dependencies: [
            "VetScanner", "VetReports", "VetRules", "VetEngine", "VetCore", "VetBytes", "VetProbes", "VetLineage", "VetProvenance", "VetService", "VetServer",
            .product(name: "ArgumentParser", package: "swift-argument-parser"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"), .product(name: "X509", package: "swift-certificates"),
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .executableTarget(name: "modelvet", dependencies: ["VetCommands"]),
        // An experiment's tool (bench/probe/judge_decoder.sh): a decoder model's features for the refusal judge.
        .executableTarget(name: "judge-features", dependencies: ["VetEngine"], path: "bench/probe/judge-features",
                         swiftSettings: engineSettings),
        // Shared by every test target: repository paths, the model cache, the CLI runner.
        .target(name: "VetTestSupport", dependencies: [
            "VetService",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ], path: "Tests/VetTestSupport"),
        .testTarget(name: "VetBytesTests", dependencies: ["VetBytes"]),
        .testTarget(name: "VetFormatsTests", dependencies: ["VetTestSupport", "VetFormats", "VetFixtures"]),
        .testTarget(name: "VetRulesTests", dependencies: ["VetTestSupport", "VetRules", "VetScanner", "VetFixtures"]),
        .testTarget(name: "VetScannerTests", dependencies: ["VetTestSupport", "VetScanner", "VetRules", "VetFormats", "VetFixtures"], exclude: ["Regressions"]),
        .testTarget(name: "VetReportsTests", dependencies: ["VetTestSupport", "VetReports", "VetScanner", "VetFixtures", "VetRules", "VetCore"]),
        .testTarget(name: "VetCommandsTests", dependencies: [
            "VetTestSupport", "VetCommands", "VetFormats", "VetFixtures", "VetBytes", "VetCore", "VetService", "VetServer", "VetProvenance",
            .product(name: "HummingbirdTesting", package: "hummingbird"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
        ]),
        .testTarget(name: "VetLineageTests", dependencies: ["VetLineage", "VetFixtures", "VetTestSupport", "VetBytes", "VetCore", "VetGGUF"],
                    // The fixture generator does hundreds of millions of float operations.
                    swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        .testTarget(name: "VetProvenanceTests", dependencies: [
            "VetProvenance", "VetTestSupport", "VetBytes", "VetCore", "VetFixtures", "VetGGUF", "VetText", .product(name: "Crypto", package: "swift-crypto"), .product(name: "X509", package: "swift-certificates"),
        ]),
        .testTarget(name: "VetServiceTests", dependencies: ["VetService", "VetTestSupport", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "VetProbesTests", dependencies: ["VetProbes", "VetTestSupport", "VetEngine"], exclude: ["Data", "Support"]),
        .testTarget(name: "VetEngineTests", dependencies: ["VetTestSupport", "VetEngine", "VetSIMD", "VetFormats", "VetFixtures", "VetBytes", "VetCore"], exclude: ["Golden", "Regressions", "Reference", "Synthetic"]),
    ],
    swiftLanguageModes: [.v6]
)
