import Foundation
import Testing
import Inventory

@Suite("Inventory resolution")
struct InventoryResolutionTests {
    /// The example from the schema documentation.
    static let example = """
        {
          "ssh": {
            "user": "root",
            "port": 22,
            "identityFile": "/var/lib/converge-lab/id_ed25519",
            "knownHosts": "/var/lib/converge-lab/known_hosts",
            "hostKeyPolicy": "strict",
            "connectTimeout": 10
          },
          "vars": { "ntp_server": "pool.ntp.org" },
          "groups": {
            "web": { "vars": { "php": "8.2" }, "roles": ["apache"], "ssh": { "user": "deploy" } },
            "bookworm": { "vars": { "release": "bookworm" } }
          },
          "hosts": [
            { "name": "web1", "address": "10.0.0.5", "port": 2222, "user": "deploy",
              "groups": ["web", "bookworm"], "roles": ["extra"], "vars": { "weight": 10 },
              "ssh": { "fingerprint": "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" } },
            { "name": "db1", "address": "db1.example.com" }
          ]
        }
        """

    @Test func documentedExampleResolves() throws {
        let inventory = try inventory(Self.example)
        #expect(inventory.hosts.map(\.name) == ["web1", "db1"])
        let web1 = try #require(inventory.host(named: "web1"))
        #expect(web1.address == "10.0.0.5")
        #expect(web1.groups == ["web", "bookworm"])
        #expect(web1.roles == ["apache", "extra"])
        #expect(web1.vars == ["ntp_server": "pool.ntp.org", "php": "8.2", "release": "bookworm", "weight": 10])
        #expect(web1.vars.keys == ["ntp_server", "php", "release", "weight"])
        var expectedSSH = testDefaults
        expectedSSH.user = "deploy"
        expectedSSH.port = 2222
        expectedSSH.identityFiles = ["/var/lib/converge-lab/id_ed25519"]
        expectedSSH.knownHostsFile = "/var/lib/converge-lab/known_hosts"
        expectedSSH.fingerprint = HostKeyFingerprint(sha256Digest: Array(0..<32))
        #expect(web1.ssh == expectedSSH)

        let db1 = try #require(inventory.host(named: "db1"))
        #expect(db1.address == "db1.example.com")
        #expect(db1.groups == [])
        #expect(db1.roles == [])
        #expect(db1.vars == ["ntp_server": "pool.ntp.org"])
        expectedSSH = testDefaults
        expectedSSH.identityFiles = ["/var/lib/converge-lab/id_ed25519"]
        expectedSSH.knownHostsFile = "/var/lib/converge-lab/known_hosts"
        #expect(db1.ssh == expectedSSH)

        #expect(inventory.vars == ["ntp_server": "pool.ntp.org"])
        #expect(inventory.ssh.user == "root")
        #expect(inventory.ssh.connectTimeout == .seconds(10))
        #expect(inventory.groups.map(\.name) == ["web", "bookworm"])
        #expect(inventory.group(named: "web")?.roles == ["apache"])
        #expect(inventory.group(named: "web")?.ssh.user == "deploy")
        #expect(inventory.group(named: "bookworm")?.vars == ["release": "bookworm"])
    }

    @Test func minimalHostGetsTheBuiltInDefaults() throws {
        let inventory = try inventory(#"{"hosts": [{"name": "web1", "address": "10.0.0.5"}]}"#)
        #expect(inventory.hosts.first?.ssh == testDefaults)
        #expect(SSHSettings.defaults(homeDirectory: testHomeDirectory) == testDefaults)
        #expect(inventory.hosts.first?.vars == [:])
        #expect(inventory.hosts.first?.roles == [])
        #expect(inventory.groups.isEmpty)
    }

    @Test func emptyHostListIsAllowed() throws {
        #expect(try inventory(#"{"hosts": []}"#).hosts.isEmpty)
    }

    @Test func everySSHSettingIsRead() throws {
        let inventory = try inventory("""
            {"hosts": [{"name": "web1", "address": "fe80::1%eth0", "ssh": {
              "user": "deploy", "port": 2200, "identityFile": ["keys/a", "~/.ssh/b"],
              "passphraseEnv": "KEY_PASSPHRASE", "passwordEnv": "LOGIN_PASSWORD", "agent": false,
              "knownHosts": "known_hosts", "hostKeyPolicy": "accept-new", "fingerprint": "\(testFingerprint)",
              "connectTimeout": 2.5, "sudo": true, "sudoPasswordEnv": "SUDO_PASSWORD"
            }}]}
            """)
        let host = try #require(inventory.hosts.first)
        #expect(host.address == "fe80::1%eth0")
        let expected = SSHSettings(
            user: "deploy", port: 2200,
            identityFiles: ["/srv/converge/inventory/keys/a", "/home/tester/.ssh/b"],
            passphraseEnvironmentVariable: "KEY_PASSPHRASE", passwordEnvironmentVariable: "LOGIN_PASSWORD",
            usesAgent: false, knownHostsFile: "/srv/converge/inventory/known_hosts", hostKeyPolicy: .acceptNew,
            fingerprint: HostKeyFingerprint(testFingerprint), connectTimeout: .milliseconds(2500),
            usesSudo: true, sudoPasswordEnvironmentVariable: "SUDO_PASSWORD")
        #expect(host.ssh == expected)
    }

    /// Each host below isolates one step of the chain
    /// defaults < top-level ssh < groups in host order < host ssh < host shorthands.
    @Test func sshPrecedence() throws {
        let inventory = try inventory("""
            {
              "ssh": {"user": "top", "port": 2000, "connectTimeout": 5, "identityFile": ["top1", "top2"]},
              "groups": {
                "a": {"ssh": {"user": "group-a", "port": 2001, "agent": false}},
                "b": {"ssh": {"user": "group-b", "identityFile": "b-key"}}
              },
              "hosts": [
                {"name": "plain", "address": "h1"},
                {"name": "ab", "address": "h2", "groups": ["a", "b"]},
                {"name": "ba", "address": "h3", "groups": ["b", "a"]},
                {"name": "own", "address": "h4", "groups": ["a"], "ssh": {"user": "host-ssh", "port": 2002}},
                {"name": "short", "address": "h5", "groups": ["a"], "user": "shorthand", "port": 2003,
                 "ssh": {"user": "host-ssh", "port": 2002}}
              ]
            }
            """)
        func ssh(_ name: String) -> SSHSettings? { inventory.host(named: name)?.ssh }

        #expect(ssh("plain")?.user == "top")
        #expect(ssh("plain")?.port == 2000)
        #expect(ssh("plain")?.connectTimeout == .seconds(5))
        #expect(ssh("plain")?.usesAgent == true)
        #expect(ssh("plain")?.identityFiles == ["/srv/converge/inventory/top1", "/srv/converge/inventory/top2"])
        #expect(ssh("plain")?.hostKeyPolicy == .strict)

        // The later group wins where both set a value; each keeps what only it sets.
        #expect(ssh("ab")?.user == "group-b")
        #expect(ssh("ab")?.port == 2001)
        #expect(ssh("ab")?.usesAgent == false)
        // A later identityFile replaces the list instead of adding to it.
        #expect(ssh("ab")?.identityFiles == ["/srv/converge/inventory/b-key"])
        #expect(ssh("ab")?.connectTimeout == .seconds(5))

        #expect(ssh("ba")?.user == "group-a")

        #expect(ssh("own")?.user == "host-ssh")
        #expect(ssh("own")?.port == 2002)
        #expect(ssh("own")?.usesAgent == false)

        #expect(ssh("short")?.user == "shorthand")
        #expect(ssh("short")?.port == 2003)
    }

    @Test func varsPrecedenceIsShallowAndKeepsFirstPositions() throws {
        let inventory = try inventory("""
            {
              "vars": {"a": "top", "nested": {"x": 1, "y": 2}, "keep": "top"},
              "groups": {
                "g1": {"vars": {"a": "g1", "only_g1": true}},
                "g2": {"vars": {"a": "g2", "nested": {"x": 9}}}
              },
              "hosts": [
                {"name": "both", "address": "h1", "groups": ["g1", "g2"], "vars": {"b": "host"}},
                {"name": "reversed", "address": "h2", "groups": ["g2", "g1"]},
                {"name": "override", "address": "h3", "groups": ["g1"], "vars": {"a": "host", "keep": null}}
              ]
            }
            """)
        let both = try #require(inventory.host(named: "both"))
        #expect(both.vars == ["a": "g2", "nested": ["x": 9], "keep": "top", "only_g1": true, "b": "host"])
        #expect(both.vars.keys == ["a", "nested", "keep", "only_g1", "b"])
        #expect(inventory.host(named: "reversed")?.vars["a"] == "g1")
        #expect(inventory.host(named: "reversed")?.vars["nested"] == ["x": 9])
        // A host's null is a value like any other: it replaces, it does not delete.
        #expect(inventory.host(named: "override")?.vars == ["a": "host", "nested": ["x": 1, "y": 2], "keep": nil, "only_g1": true])
    }

    @Test func rolesAreGroupRolesThenHostRolesWithoutDuplicates() throws {
        let inventory = try inventory("""
            {
              "groups": {
                "g1": {"roles": ["common", "web"]},
                "g2": {"roles": ["web", "php"]}
              },
              "hosts": [
                {"name": "h1", "address": "h1", "groups": ["g1", "g2"], "roles": ["php", "extra", "common"]},
                {"name": "h2", "address": "h2", "groups": ["g2", "g1"]},
                {"name": "h3", "address": "h3", "roles": ["solo"]}
              ]
            }
            """)
        #expect(inventory.host(named: "h1")?.roles == ["common", "web", "php", "extra"])
        #expect(inventory.host(named: "h2")?.roles == ["web", "php", "common"])
        #expect(inventory.host(named: "h3")?.roles == ["solo"])
    }

    @Test func undeclaredGroupsAreImplicit() throws {
        let inventory = try inventory("""
            {
              "groups": {"web": {"vars": {"php": "8.2"}}, "unused": {}},
              "hosts": [
                {"name": "h1", "address": "h1", "groups": ["bookworm", "web"]},
                {"name": "h2", "address": "h2", "groups": ["arm64", "bookworm"]}
              ]
            }
            """)
        #expect(inventory.groups.map(\.name) == ["web", "unused", "bookworm", "arm64"])
        let bookworm = try #require(inventory.group(named: "bookworm"))
        #expect(bookworm.declaration == nil)
        #expect(bookworm.vars == [:])
        #expect(bookworm.roles == [])
        #expect(bookworm.ssh == SSHOverrides())
        #expect(inventory.group(named: "web")?.declaration != nil)
        #expect(inventory.host(named: "h1")?.vars == ["php": "8.2"])
        #expect(inventory.host(named: "h1")?.groups == ["bookworm", "web"])
    }

    @Test("path resolution", arguments: [
        ("keys/id_ed25519", "/srv/converge/inventory/keys/id_ed25519"),
        ("./keys//id_ed25519", "/srv/converge/inventory/keys/id_ed25519"),
        ("../keys/id", "/srv/converge/inventory/../keys/id"),
        ("~/.ssh/id_rsa", "/home/tester/.ssh/id_rsa"),
        ("~", "/home/tester"),
        ("/etc/converge/key", "/etc/converge/key"),
        ("/etc/./converge/", "/etc/converge"),
    ])
    func pathResolution(written: String, resolved: String) throws {
        let inventory = try inventory("""
            {"ssh": {"identityFile": "\(written)", "knownHosts": "\(written)"},
             "hosts": [{"name": "h", "address": "h"}]}
            """)
        #expect(inventory.hosts.first?.ssh.identityFiles == [resolved])
        #expect(inventory.hosts.first?.ssh.knownHostsFile == resolved)
    }

    @Test func homeDirectoryWithTrailingSlash() throws {
        let inventory = try Inventory.parse(
            #"{"ssh": {"identityFile": "~/k"}, "hosts": [{"name": "h", "address": "h"}]}"#,
            file: "x.json", baseDirectory: "/srv", homeDirectory: "/home/tester/")
        #expect(inventory.hosts.first?.ssh.identityFiles == ["/home/tester/k"])
        #expect(inventory.hosts.first?.ssh.knownHostsFile == "/home/tester/.ssh/known_hosts")
    }

    @Test func baseDirectoryDefaultsToTheFilesDirectory() throws {
        let text = #"{"ssh": {"identityFile": "k"}, "hosts": [{"name": "h", "address": "h"}]}"#
        let cwd = FileManager.default.currentDirectoryPath
        let relative = try Inventory.parse(text, file: "inventory/prod.json", homeDirectory: "/home/tester")
        #expect(relative.baseDirectory == cwd + "/inventory")
        #expect(relative.hosts.first?.ssh.identityFiles == [cwd + "/inventory/k"])
        let absolute = try Inventory.parse(text, file: "/etc/converge/prod.json", homeDirectory: "/home/tester")
        #expect(absolute.baseDirectory == "/etc/converge")
        let relativeBase = try Inventory.parse(text, file: "x", baseDirectory: "conf", homeDirectory: "/home/tester")
        #expect(relativeBase.baseDirectory == cwd + "/conf")
    }

    @Test func sourceAndTreeAreKeptForEditing() throws {
        let text = """
            {
              "hosts": [
                {"name": "web1", "address": "10.0.0.5"},
                {"name": "web2",   "address": "10.0.0.6"}
              ]
            }
            """
        let inventory = try inventory(text)
        #expect(inventory.source == Array(text.utf8))
        #expect(inventory.document.value["hosts"]?[1]?["name"] == "web2")
        let web2 = try #require(inventory.host(named: "web2"))
        #expect(String(decoding: inventory.source[web2.declaration.bytes], as: UTF8.self)
            == #"{"name": "web2",   "address": "10.0.0.6"}"#)
        #expect(web2.declaration.start == SourcePosition(offset: 64, line: 4, column: 5))
        #expect(inventory.file == "inventory/prod.json")
        #expect(inventory.baseDirectory == "/srv/converge/inventory")
    }

    @Test func byteOrderMarkIsAccepted() throws {
        let inventory = try Inventory.parse(
            Data([0xEF, 0xBB, 0xBF] + Array(#"{"hosts": [{"name": "h", "address": "h"}]}"#.utf8)),
            file: testFile, baseDirectory: testBaseDirectory, homeDirectory: testHomeDirectory)
        #expect(inventory.hosts.map(\.name) == ["h"])
        #expect(inventory.source.count == 45)
    }
}

@Suite("Host key fingerprints")
struct HostKeyFingerprintTests {
    @Test func parsesAndPrintsOpenSSHForm() throws {
        let fingerprint = try #require(HostKeyFingerprint(testFingerprint))
        #expect(fingerprint.sha256Digest == Array(0..<32))
        #expect(fingerprint.description == testFingerprint)
        #expect(HostKeyFingerprint(sha256Digest: Array(0..<32)) == fingerprint)
    }

    @Test("rejects malformed fingerprints", arguments: [
        "",
        "SHA256:",
        "SHA256:abc",
        "sha256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "MD5:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
        "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh9",  // non-zero trailing bits
        "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh*",
        "SHA256:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8A",
    ])
    func rejects(text: String) {
        #expect(HostKeyFingerprint(text) == nil)
    }

    @Test func digestMustBe32Bytes() {
        #expect(HostKeyFingerprint(sha256Digest: Array(0..<31)) == nil)
        #expect(HostKeyFingerprint(sha256Digest: Array(0..<33)) == nil)
    }
}
