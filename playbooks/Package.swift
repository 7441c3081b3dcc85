// swift-tools-version:6.1
import PackageDescription

// The reference playbooks: the web stack converge was built for, kept and built exactly as
// a fleet's own playbooks package is (see `converge init`): roles in a library target,
// the `converge` binary built with them, tests; converge itself is a dependency.
let package = Package(
    name: "converge-playbooks",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "converge", targets: ["ReferenceConverge"]),
    ],
    dependencies: [
        .package(name: "converge", path: ".."),
        // Only for its GenerateManual plugin: `swift package generate-manual` (scripts/manual)
        // writes converge's manual page from this converge. The version converge requires.
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // The web stack's roles and their typed shared settings.
        .target(name: "Playbooks", dependencies: [.product(name: "Converge", package: "converge")]),
        // `converge`: the whole command line with the reference playbooks.
        .executableTarget(name: "ReferenceConverge", dependencies: ["Playbooks", .product(name: "Converge", package: "converge")]),
        .testTarget(name: "PlaybooksTests", dependencies: ["Playbooks", .product(name: "Converge", package: "converge")]),
    ]
)
