// swift-tools-version:6.2
import PackageDescription

let strictSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "spoolpost",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "spoolpost", targets: ["spoolpost"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        // C bindings: a modulemap and a header of typed static inline wrappers, nothing else.
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CLibCrypto", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CYAML", pkgConfig: "yaml-0.1", providers: [.apt(["libyaml-dev"])]),

        // Pure logic: manifest model and validation, state machine, backoff, scheduling, canonicalisation.
        .target(name: "SpoolpostCore", swiftSettings: strictSettings),

        // Files, inotify, HTTP over libcurl, YAML loading, hashing and signing.
        .target(
            name: "SpoolpostIO",
            dependencies: [
                "SpoolpostCore", "CCurl", "CLibCrypto", "CYAML",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // One file per network behind `PublishingAdapter`.
        .target(
            name: "SpoolpostAdapters",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        // The daemon: intake, scheduling, publishing, recovery, group commit.
        .target(
            name: "SpoolpostEngine",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostAdapters",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // Loopback HTTP servers: the network sandbox.
        .target(
            name: "SpoolpostSandbox",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        .executableTarget(
            name: "spoolpost",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostAdapters", "SpoolpostEngine", "SpoolpostSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strictSettings
        ),

        // What several test targets share: starting the programs they test (`spoolpost`, `openssl`).
        .target(name: "SpoolpostTestSupport", path: "Tests/SpoolpostTestSupport", swiftSettings: strictSettings),

        .testTarget(name: "SpoolpostCoreTests", dependencies: ["SpoolpostCore"], swiftSettings: strictSettings),
        .testTarget(
            name: "SpoolpostIOTests",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostSandbox", "SpoolpostTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SpoolpostSandboxTests",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostTestSupport", "SpoolpostSandbox",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SpoolpostAdaptersTests",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostTestSupport", "SpoolpostAdapters", "SpoolpostSandbox",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "SpoolpostEngineTests",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostAdapters", "SpoolpostEngine",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "EndToEndTests",
            dependencies: [
                "SpoolpostCore", "SpoolpostIO", "SpoolpostSandbox", "SpoolpostTestSupport",
                .product(name: "Hummingbird", package: "hummingbird"),
            ],
            swiftSettings: strictSettings
        ),
    ]
)
