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
        .library(name: "VetRules", targets: ["VetRules"]),
        .library(name: "VetEngine", targets: ["VetEngine"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"]), .brew(["zlib"])]),
        .systemLibrary(name: "CLzma", path: "Sources/CLzma", pkgConfig: "liblzma", providers: [.apt(["liblzma-dev"])]),
        .systemLibrary(name: "CBzip2", path: "Sources/CBzip2", providers: [.apt(["libbz2-dev"])]),
        .target(name: "VetBytes"),
        .target(name: "VetCore", dependencies: ["VetBytes"]),
        .target(name: "VetFormats", dependencies: ["VetCore", "VetBytes", "CZlib", "CLzma", "CBzip2"]),
        .target(name: "VetRules", dependencies: ["VetCore", "VetFormats"]),
        .target(name: "VetReports", dependencies: ["VetCore"]),
        .target(name: "VetScanner", dependencies: ["VetCore", "VetFormats", "VetRules", "VetReports"]),
        .target(name: "VetEngine", dependencies: ["VetBytes", "VetFormats"], swiftSettings: engineSettings),
        .target(name: "VetCommands", dependencies: [
            "VetScanner", "VetReports", "VetRules", "VetEngine",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "modelvet", dependencies: ["VetCommands"]),
        .testTarget(name: "VetBytesTests", dependencies: ["VetBytes"]),
        .testTarget(name: "VetFormatsTests", dependencies: ["VetFormats"]),
        .testTarget(name: "VetRulesTests", dependencies: ["VetRules", "VetScanner"]),
        .testTarget(name: "VetScannerTests", dependencies: ["VetScanner"], exclude: ["Regressions"]),
        .testTarget(name: "VetReportsTests", dependencies: ["VetReports", "VetScanner"]),
        .testTarget(name: "VetCommandsTests", dependencies: ["VetCommands", "VetFormats", "VetBytes", "VetCore"]),
        .testTarget(name: "VetEngineTests", dependencies: ["VetEngine", "VetFormats", "VetBytes", "VetCore"], exclude: ["Golden", "Regressions"]),
    ],
    swiftLanguageModes: [.v6]
)
