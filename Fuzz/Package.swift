// swift-tools-version:6.0
// libFuzzer targets for ModelVet's parsers. Build and run them with Fuzz/run.sh.
import PackageDescription

let package = Package(
    name: "ModelVetFuzz",
    dependencies: [.package(name: "ModelVet", path: "..")],
    targets: [
        .target(name: "FuzzSupport"),
        .executableTarget(name: "PickleFuzz", dependencies: ["FuzzSupport", .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "HDF5Fuzz", dependencies: ["FuzzSupport", .product(name: "VetScanner", package: "ModelVet"),
                                                           .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "ScanFuzz", dependencies: ["FuzzSupport", .product(name: "VetScanner", package: "ModelVet"),
                                                           .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "SafeTensorsFuzz", dependencies: ["FuzzSupport", .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "GGUFFuzz", dependencies: ["FuzzSupport", .product(name: "VetFormats", package: "ModelVet"), .product(name: "VetRules", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "JinjaFuzz", dependencies: ["FuzzSupport", .product(name: "VetRules", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "ProtobufFuzz", dependencies: ["FuzzSupport", .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "EngineFuzz", dependencies: ["FuzzSupport", .product(name: "VetEngine", package: "ModelVet"),
                                                             .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "RenderFuzz", dependencies: ["FuzzSupport", .product(name: "VetEngine", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
        .executableTarget(name: "ZipFuzz", dependencies: ["FuzzSupport", .product(name: "VetScanner", package: "ModelVet"),
                                                          .product(name: "VetFormats", package: "ModelVet")],
                          swiftSettings: [.unsafeFlags(["-parse-as-library"])]),
    ],
    swiftLanguageModes: [.v6]
)
