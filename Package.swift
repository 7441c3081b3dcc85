// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "converge",
    platforms: [.macOS(.v13)],
    products: [
        // Everything a fleet's own playbooks package needs: resources and roles (`import
        // Converge`), the whole command line to run with them (ConvergeCommand.main(playbook:)),
        // and the modules its tests may use (planning with recorded facts, a fake connection).
        // The `converge` binary itself is built by such a package: playbooks/ for this one.
        .library(name: "Converge", targets: [
            "Converge", "Resources", "Shell", "Facts", "Inventory", "Planner", "Secrets", "Fleet", "SSH", "Drift", "Lab",
        ]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.7.4"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // `swift package generate-documentation`: the API documentation a playbook author browses.
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
    ],
    targets: [
        // libssh2, exactly as Debian's libssh2-1-dev ships it. Only `SSH` imports it.
        .systemLibrary(
            name: "CLibSSH2",
            pkgConfig: "libssh2",
            providers: [.apt(["libssh2-1-dev"])]
        ),
        // Quoting for POSIX sh, for everything converge runs on a target.
        .target(name: "Shell"),
        // SSH transport: sessions, host key checks, authentication, commands, uploads.
        .target(name: "SSH", dependencies: ["CLibSSH2", "Shell", .product(name: "Logging", package: "swift-log")]),
        // The inventory: hosts, groups and their variables, read from inventory/*.json.
        .target(name: "Inventory"),
        // `converge import-ansible`: an Ansible inventory (INI or YAML, group_vars/, host_vars/)
        // converted into a converge inventory, with Ansible's precedence kept.
        .target(name: "AnsibleInventory", dependencies: ["Inventory", .product(name: "Yams", package: "Yams")]),
        // Facts: shell probes run on a target and the parsers that read their output.
        .target(name: "Facts", dependencies: ["Shell"]),
        // Resource types (packages, files, services, ...) that playbooks are written in, and
        // what they plan in: the facts they need, the changes and operations they make.
        .target(name: "Resources", dependencies: ["Facts", "Shell", .product(name: "Crypto", package: "swift-crypto")]),
        // Desired resources + facts -> a plan of changes, and the script that applies it.
        .target(name: "Secrets", dependencies: [
            "Resources", "Inventory", .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "X509", package: "swift-certificates"),
            .product(name: "SwiftASN1", package: "swift-asn1"),
        ]),
        .target(name: "Planner", dependencies: [
            "Resources", "Facts", "Shell", "Secrets", .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The drift report: desired-state drift, fleet discrepancies, support status; its renderers.
        .target(name: "Drift", dependencies: ["Facts"]),
        // Every drift sweep stored in SQLite: what is new and what was resolved since the last.
        .target(name: "DriftHistory", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        // Working across the fleet: connecting to inventory hosts, many at a time.
        .target(name: "Fleet", dependencies: [
            "SSH", "Inventory", "Facts", "Resources", "Planner", "Secrets", "Shell", "Drift", "DriftHistory",
            .product(name: "Crypto", package: "swift-crypto"), .product(name: "Logging", package: "swift-log"),
        ]),
        // Staging: replicas of an inventory's hosts as containers on this machine (`converge
        // lab`), booted by scripts/lab, which the EmbeddedLabScript plugin builds in.
        .target(name: "Lab", dependencies: ["Inventory", "Fleet", "Drift", "Planner"], plugins: ["EmbeddedLabScript"]),
        .plugin(name: "EmbeddedLabScript", capability: .buildTool()),
        // The command line as a library: every subcommand, run with a playbook's roles.
        .target(
            name: "Converge",
            dependencies: [
                "SSH", "Inventory", "Facts", "Resources", "Shell", "Fleet", "Planner", "Secrets", "Drift", "DriftHistory",
                "AnsibleInventory", "Lab",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            plugins: ["SourceCommit"]
        ),
        // Writes the git commit converge is built from into `Converge`, for `converge --version`.
        .plugin(name: "SourceCommit", capability: .buildTool()),
        // The lab tests' own roles and binary (converge-lab): test fixtures, not shipped.
        .executableTarget(name: "converge-lab", dependencies: ["Converge"], path: "Tests/LabPlaybooks"),
        // Helpers the test targets share (running a program and collecting its output).
        .target(name: "TestSupport", path: "Tests/TestSupport"),
        .testTarget(name: "FactsTests", dependencies: ["Facts", "Shell", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory"]),
        .testTarget(name: "AnsibleInventoryTests", dependencies: ["AnsibleInventory", "Inventory"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DriftTests", dependencies: ["Drift", "Facts", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "DriftHistoryTests", dependencies: [
            "DriftHistory", .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "ResourcesTests", dependencies: ["Resources"]),
        .testTarget(name: "SecretsTests", dependencies: ["Secrets", "Resources", "Inventory"]),
        .testTarget(name: "PlannerTests", dependencies: ["Planner", "Resources", "Secrets", "Facts", "Shell", "TestSupport"], resources: [.copy("Fixtures")]),
        .testTarget(name: "ConvergeCommandTests", dependencies: [
            "Converge", "Fleet", "Drift", "Facts", "Inventory", "Planner", "Resources", "SSH", "TestSupport",
        ]),
        .testTarget(name: "LabUnitTests", dependencies: ["Lab", "Inventory"]),
        .testTarget(name: "FleetTests", dependencies: ["Fleet", "Inventory", "Planner", "Resources", "SSH", "Facts", "Drift", "TestSupport"]),
        .testTarget(name: "LabTests", dependencies: [
            "SSH", "Inventory", "Facts", "Fleet", "Shell", "TestSupport", .product(name: "Crypto", package: "swift-crypto"),
        ]),
    ]
)
