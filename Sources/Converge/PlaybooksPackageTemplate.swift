import Foundation

/// A fleet's own playbooks package, as `converge init` writes it: roles in a library target,
/// the fleet's `converge` binary built from them, tests, and an example inventory.
///
/// The package depends on converge like any Swift package, so upgrading converge is
/// `swift package update` (or a new `from:` version): the fleet's code and converge's never
/// need merging.
public struct PlaybooksPackageTemplate: Sendable {
    /// Where the package gets converge from.
    public enum Dependency: Sendable, Hashable {
        /// A git URL and the lowest version to accept (`from:`).
        case url(String, from: String)
        /// A local checkout.
        case path(String)

        /// SwiftPM's identity of the dependency: the last path component, lowercased,
        /// without `.git`; what `.product(name:package:)` names.
        public var packageIdentity: String {
            let location = switch self {
            case .url(let url, _): url
            case .path(let path): path
            }
            var last = location.split(separator: "/").last.map(String.init) ?? location
            if last.hasSuffix(".git") { last.removeLast(4) }
            return last.lowercased()
        }

        var manifestLine: String {
            switch self {
            case .url(let url, let version): ".package(url: \(swiftLiteral(url)), from: \(swiftLiteral(version)))"
            case .path(let path): ".package(path: \(swiftLiteral(path)))"
            }
        }
    }

    /// The package's name, e.g. `acme-playbooks`.
    public var name: String
    public var dependency: Dependency

    public init(name: String, dependency: Dependency) {
        self.name = name
        self.dependency = dependency
    }

    /// The files, by path relative to the package directory.
    public var files: [(path: String, content: String)] {
        [
            ("Package.swift", manifest),
            ("Sources/Roles/Roles.swift", roles),
            ("Sources/FleetConverge/main.swift", main),
            ("Tests/RolesTests/RolesTests.swift", tests),
            ("inventory/example.json", inventory),
            (".gitignore", ".build/\n.build-*/\nPackage.resolved\n# converge lab's inventories (converge lab up)\ninventory/*.lab.json\ninventory/*.lab-*.json\n"),
            ("README.md", readme),
        ]
    }

    /// Writes the package into `directory`, which must not exist yet or be empty.
    public func write(to directory: String) throws {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw TemplateError(message: "\(directory) is not empty; converge init writes a new package only")
        }
        for file in files {
            let url = URL(fileURLWithPath: directory).appendingPathComponent(file.path)
            try manager.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(file.content.utf8).write(to: url, options: .atomic)
        }
    }

    private var product: String {
        ".product(name: \"Converge\", package: \(swiftLiteral(dependency.packageIdentity)))"
    }

    var manifest: String {
        """
        // swift-tools-version:6.1
        import PackageDescription

        // \(name): this fleet's roles, and the `converge` binary built with them.
        let package = Package(
            name: \(swiftLiteral(name)),
            platforms: [.macOS(.v13)],
            products: [
                .executable(name: "converge", targets: ["FleetConverge"]),
            ],
            dependencies: [
                // Upgrading converge: `swift package update` (or raise the version), then `swift test`.
                \(dependency.manifestLine),
            ],
            targets: [
                // The roles: typed resource descriptions, checked by the compiler.
                .target(name: "Roles", dependencies: [\(product)]),
                // The command line, run with the roles above.
                .executableTarget(name: "FleetConverge", dependencies: ["Roles", \(product)]),
                .testTarget(name: "RolesTests", dependencies: ["Roles", \(product)]),
            ]
        )

        """
    }

    var roles: String {
        #"""
        import Converge

        /// What every host has: a message of the day, an operations group and user, and
        /// tools the team expects everywhere.
        public let base = Role("base") { host in
            File("/etc/motd", content: """
                \(host.name): managed by converge. Local changes are overwritten.

                """)
            Group("ops", system: true)
            User("ops", group: "ops", home: "/var/lib/ops", shell: "/bin/sh", system: true)
            Directory("/etc/fleet", mode: 0o755)
            File("/etc/fleet/host", content: "name=\(host.name)\nrelease=\(host.codename ?? "unknown")\n")
            for tool in host.vars["tools"].arrayValue ?? ["less", "curl"] {
                if let name = tool.stringValue { Package(name) }
            }
        }

        /// A web server whose upstreams are the inventory's `app` hosts: adding a host to that
        /// group is all it takes for every web host to send it traffic.
        public let web = Role("web") { host in
            let upstreams = host.members(of: "app").map { "    server \($0.address):8080;\n" }.joined()
            Package("nginx")
            File("/etc/nginx/conf.d/app.conf", content: """
                upstream app {
                \(upstreams)}

                """, notifies: [.service("nginx")])
            Service("nginx", running: true, enabled: true, reload: true)
        }

        extension Playbook {
            /// Every role this fleet's inventories may name; the package's name and version,
            /// which `converge --version` shows (raise the version with each release).
            public static let fleet = Playbook([base, web], name: \#(swiftLiteral(name)), version: "0.1.0")
        }

        """#
    }

    var main: String {
        """
        // This fleet's `converge`: the whole command line with its roles.
        import Converge
        import Roles

        await ConvergeCommand.main(playbook: .fleet)

        """
    }

    var tests: String {
        #"""
        import Converge
        import Foundation
        #if canImport(FoundationNetworking)
        import FoundationNetworking
        #endif
        import Roles
        import Testing

        @Suite struct RolesTests {
            /// Every inventory of the package names only roles the playbook defines.
            @Test func inventoriesNameOnlyDefinedRoles() throws {
                let directory = URL(fileURLWithPath: #filePath)
                    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
                    .appendingPathComponent("inventory")
                let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
                    .filter { $0.hasSuffix(".json") }
                #expect(!files.isEmpty)
                for file in files {
                    #expect(try Playbook.fleet.missingRoles(inInventoryAt: directory.appendingPathComponent(file).path) == [])
                }
            }

            /// A web host sends traffic to every app host of the inventory.
            @Test func webUpstreamsComeFromTheInventory() throws {
                let host = HostContext(name: "web1", groups: ["web"], codename: "bookworm", inventoryHosts: [
                    InventoryHost(name: "app1", address: "10.0.0.21", groups: ["app"]),
                    InventoryHost(name: "app2", address: "10.0.0.22", groups: ["app"]),
                ])
                let resources = try web.resources(for: host)
                let config = try #require(resources.compactMap { $0 as? File }.first)
                guard case .text(let text) = config.content else { Issue.record("not text"); return }
                #expect(text.contains("server 10.0.0.21:8080;"))
                #expect(text.contains("server 10.0.0.22:8080;"))
            }
        }

        /// The lab's inventory, when `converge lab test` runs the package's tests.
        let labInventory = ProcessInfo.processInfo.environment["CONVERGE_LAB_INVENTORY"]

        /// Checks on real hosts: `converge lab test` runs them on its replica (they skip
        /// without CONVERGE_LAB_INVENTORY).
        @Suite(.enabled(if: labInventory != nil, "needs CONVERGE_LAB_INVENTORY (converge lab test)"))
        struct LabChecks {
            /// The lab inventory's hosts of `group`: name and address.
            static func hosts(in group: String) throws -> [(name: String, address: String)] {
                let data = try Data(contentsOf: URL(fileURLWithPath: labInventory!))
                let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
                let hosts = document?["hosts"] as? [[String: Any]] ?? []
                return hosts.compactMap { host in
                    guard let groups = host["groups"] as? [String], groups.contains(group),
                          let name = host["name"] as? String, let address = host["address"] as? String else { return nil }
                    return (name, address)
                }
            }

            /// Every web host answers HTTP.
            @Test func webHostsServe() async throws {
                for host in try Self.hosts(in: "web") {
                    let (_, response) = try await URLSession.shared.data(from: URL(string: "http://\(host.address)/")!)
                    #expect((response as? HTTPURLResponse)?.statusCode == 200, "\(host.name)")
                }
            }
        }

        """#
    }

    var inventory: String {
        """
        {
          "secrets": "../secrets",
          "ssh": {
            "user": "root",
            "hostKeyPolicy": "strict"
          },
          "groups": {
            "web": { "roles": ["base", "web"] },
            "app": { "roles": ["base"] }
          },
          "hosts": [
            { "name": "web1", "address": "192.0.2.10", "groups": ["web"] },
            { "name": "app1", "address": "192.0.2.21", "groups": ["app"] },
            { "name": "app2", "address": "192.0.2.22", "groups": ["app"] }
          ]
        }

        """
    }

    var readme: String {
        """
        # \(name)

        This fleet's playbooks for [converge](\(readmeLink)): roles written in Swift
        (`Sources/Roles`), the inventories that assign them (`inventory/*.json`), and the
        `converge` binary built with them.

        ```sh
        swift build -c release --product converge      # this fleet's converge
        swift test                                     # roles checked, inventories checked
        .build/release/converge plan inventory/example.json
        .build/release/converge inventory/example.json # converge every host
        ```

        ## Adding a role

        Write it in `Sources/Roles` (`let name = Role("name") { host in ... }`) and list it in
        `Playbook.fleet`. The compiler checks every resource; `swift test` fails when an
        inventory names a role the playbook does not define, and so does
        `converge roles inventory/*.json`.

        ## Secrets

        The team's secrets are kept in `secrets/`, encrypted with age to every member's SSH
        key (`apt-get install age`): `converge secrets init` makes the store for your key,
        `converge secrets rekey --add-recipient KEY.pub` adds a member or CI, and roles read
        `Secret.stored("NAME", generatedAs: .password(length: 32))`. Commit `secrets/`; never a
        plaintext secret.

        ## Upgrading converge

        converge is a dependency of this package, not a fork: `swift package update` takes the
        newest release allowed by `Package.swift` (raise its `from:` for a new major version),
        then `swift test` and `converge plan` show what the new version would change. Nothing
        is merged.

        """
    }

    private var readmeLink: String {
        switch dependency {
        case .url(let url, _): url
        case .path(let path): path
        }
    }
}

/// `converge init` could not write the package.
public struct TemplateError: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}

/// `text` as a Swift string literal.
private func swiftLiteral(_ text: String) -> String {
    "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
}
