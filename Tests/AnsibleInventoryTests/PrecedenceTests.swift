import Foundation
import Inventory
import Testing

@testable import AnsibleInventory

/// What converge makes of the converted fixtures, read through converge's own inventory
/// (effective vars and settings per host): the same values Ansible gives each host.
@Suite("Ansible precedence kept")
struct PrecedenceTests {
    // MARK: INI directory: children of children, ranges, vars at every level

    @Test func childrenOfChildrenAreFlattenedInPrecedenceOrder() throws {
        let converted = try ConvertedCase("ini-directory")
        #expect(try converted.host("web02").groups == ["prod", "eu", "web"])
        #expect(try converted.host("db-a").groups == ["prod", "db"])
        #expect(try converted.host("cache1").groups == ["prod", "eu", "cache"])
        #expect(try converted.host("bastion.example.net").groups == [])
        // Deeper groups win: prod (depth 1) < eu (2) < web (3).
        #expect(try converted.host("db-a").vars["tier"] == 1)
        #expect(try converted.host("cache1").vars["tier"] == 2)
        #expect(try converted.host("web02").vars["tier"] == 3)
    }

    @Test func aHostInSeveralGroupsAtOneDepthGetsThemAlphabetically() throws {
        let web01 = try ConvertedCase("ini-directory").host("web01")
        #expect(web01.groups == ["prod", "eu", "cache", "web"])
        #expect(web01.vars["backend"] == "nginx")  // web after cache
        #expect(web01.vars["region"] == "eu-west")
    }

    @Test func rangesExpandWithPaddingAndSteps() throws {
        let names = try ConvertedCase("ini-directory").conversion.inventory.hosts.map(\.name)
        #expect(names == [
            "bastion.example.net", "web01", "web02", "web03", "web04", "web06", "web08",
            "db-a", "db-b", "db-c", "cache1",
        ])
    }

    @Test func varsFilesOverrideTheInventoryAndHostsOverrideGroups() throws {
        let converted = try ConvertedCase("ini-directory")
        #expect(try converted.host("web02").vars["http_port"] == 80)       // group_vars/web.yml over [web:vars]
        #expect(try converted.host("web04").vars["http_port"] == 8081)     // the host line over group_vars/web.yml
        #expect(try converted.host("web01").vars["http_port"] == 8443)     // host_vars/web01.yml over everything
        #expect(try converted.host("db-a").vars["ntp_server"] == "ntp2.example.net")  // group_vars/all.yml over [all:vars]
        #expect(try converted.host("db-a").vars["env"] == "production-eu")  // group_vars/prod/network.yml after main.yml
        #expect(try converted.host("db-a").vars["dns"] == ["192.0.2.53", "192.0.2.54"])
        #expect(try converted.host("bastion.example.net").vars["env"] == "base")
        #expect(try converted.host("web02").vars["packages"] == ["nginx", "certbot"])
    }

    @Test func groupVarsFilesOutrankInventoryGroupVarsOfDeeperGroups() throws {
        // Ansible: every group_vars/ file (group_vars/all.yml included) outranks every
        // [group:vars] of the inventory file, so no web or cache host sees motd=web or motd=cache.
        let converted = try ConvertedCase("ini-directory")
        for host in converted.conversion.inventory.hosts {
            #expect(host.vars["motd"] == "default", "\(host.name)")
        }
        #expect(try converted.host("cache1").ssh.user == "ops")
        #expect(try converted.host("web01").ssh.user == "ops")
        #expect(converted.conversion.notes.contains {
            $0.location.line == 4 && $0.location.file.hasSuffix("group_vars/all.yml")
                && $0.message.hasPrefix(#""motd" here outranks "motd" at "#)
        })
    }

    @Test func connectionVarsBecomeSettings() throws {
        let converted = try ConvertedCase("ini-directory")
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        let web01 = try converted.host("web01")
        #expect(web01.address == "192.0.2.11")
        #expect(web01.ssh.usesSudo)
        #expect(web01.ssh.identityFiles == [home + "/.ssh/id_ed25519"])
        #expect(try converted.host("web04").ssh.usesSudo == false)
        #expect(try converted.host("db-b").ssh.port == 2222)
        #expect(try converted.host("bastion.example.net").address == "198.51.100.10")
        #expect(try converted.host("bastion.example.net").ssh.user == "admin")
        #expect(try converted.host("web02").address == "web02")
        for host in converted.conversion.inventory.hosts {
            #expect(!host.vars.keys.contains { $0.hasPrefix("ansible_") }, "\(host.name)")
        }
    }

    // MARK: YAML directory: priorities, YAML 1.1, vault

    @Test func groupPriorityOrdersGroupsOfOneDepth() throws {
        let converted = try ConvertedCase("yaml-directory")
        let host = try converted.host("app-eu-1.example.com")
        #expect(host.groups == ["monitoring", "app", "app_eu"])
        #expect(host.vars["alerting"] == "app-team")   // app (priority 10) after monitoring (1)
        #expect(host.vars["role"] == "app-eu")         // the deeper group still wins
        #expect(try converted.host("app-us-1.example.com").vars["role"] == "app-us")  // group_vars/app_us.json
        #expect(try converted.host("app-us-1.example.com").ssh.port == 2201)          // host:port pattern
    }

    @Test func yamlValuesAreTypedAsAnsibleTypesThem() throws {
        let vars = try ConvertedCase("yaml-directory").conversion.inventory.vars
        #expect(vars["legacy_flag"] == true)
        #expect(vars["file_mode"] == 420)
        #expect(vars["file_mode_text"] == "0644")
        #expect(vars["version"] == .double(1.1))
        #expect(vars["exponent"] == "1e3")
        #expect(vars["build"] == "08")
        #expect(vars["unset"] == .null)
    }

    @Test func mergeKeysAndAnchorsAreResolved() throws {
        let mon01 = try ConvertedCase("yaml-directory").host("mon01.example.com")
        #expect(mon01.vars["scrape"] == ["interval": 60, "timeout": 10])
        #expect(mon01.address == "192.0.2.50")
    }

    @Test func vaultValuesBecomeEnvironmentVariableNames() throws {
        let converted = try ConvertedCase("yaml-directory")
        let mon01 = try converted.host("mon01.example.com")
        #expect(mon01.vars["db_password"] == ["secretEnv": "CONVERGE_VAULT_MONITORING_DB_PASSWORD"])
        #expect(mon01.vars["api"] == ["user": "svc-app", "token": ["secretEnv": "CONVERGE_VAULT_ALL_API_TOKEN"]])
        #expect(mon01.ssh.usesSudo)
        #expect(mon01.ssh.user == "deploy")
        #expect(mon01.ssh.sudoPasswordEnvironmentVariable == "CONVERGE_VAULT_ALL_ANSIBLE_BECOME_PASSWORD")
        #expect(try converted.host("jump01").ssh.passwordEnvironmentVariable == "CONVERGE_JUMP01_SSH_PASSWORD")
        #expect(!converted.conversion.text.contains("ANSIBLE_VAULT"))
        #expect(!converted.conversion.text.contains("not-in-the-output"))
        let vaultNote = try #require(converted.conversion.notes.first { $0.message.contains("CONVERGE_VAULT_MONITORING_DB_PASSWORD") })
        #expect(vaultNote.description.hasSuffix(#"inventory/01-fleet.yml:41: vault-encrypted value of "db_password" (group "monitoring"): set the environment variable CONVERGE_VAULT_MONITORING_DB_PASSWORD to its decrypted value; the var holds {"secretEnv": "CONVERGE_VAULT_MONITORING_DB_PASSWORD"}"#))
    }

    @Test func everyFileOfAnInventoryDirectoryIsRead() throws {
        let converted = try ConvertedCase("yaml-directory")
        #expect(try converted.host("old-b.example.com").groups == ["legacy"])   // 02-legacy, INI without extension
        #expect(try converted.host("old-b.example.com").ssh.port == 2022)
        #expect(try converted.host("old-b.example.com").vars["role"] == "legacy")
    }

    // MARK: INI file: connection details

    @Test func sshArgumentsAndHostKeyCheckingMapToSettings() throws {
        let converted = try ConvertedCase("ini-connection")
        let srv1 = try converted.host("srv1")
        #expect(srv1.ssh.knownHostsFile == "/etc/ssh/fleet_known_hosts")
        #expect(srv1.ssh.hostKeyPolicy == .acceptNew)
        #expect(try converted.host("srv3").ssh.hostKeyPolicy == .acceptNew)
        #expect(try converted.host("srv3").address == "10.0.0.3")   // ansible_ssh_host wins over ansible_host
        #expect(try converted.host("srv2").ssh.connectTimeout == .seconds(20))
        #expect(try converted.host("srv2").ssh.passwordEnvironmentVariable == "CONVERGE_SRV2_SSH_PASSWORD")
        #expect(try converted.host("srv2").vars["motd"] == "07#not-a-comment")
        #expect(try converted.host("srv2").vars["pw"] == "ab")     // '#' starts a comment on host lines
        #expect(try converted.host("srv1").ssh.identityFiles == [converted.directory + "/keys/deploy_ed25519"])
        #expect(!converted.conversion.text.contains("hunter2"))
    }

    @Test func whatHasNoEquivalentIsReportedWithFileAndLine() throws {
        let notes = try ConvertedCase("ini-connection").notes.split(separator: "\n").map(String.init)
        #expect(notes.contains { $0.hasPrefix("hosts:1: ansible_connection=local (host \"localhost\"): converge connects over SSH only") })
        #expect(notes.contains { $0.hasPrefix("hosts:4: ansible_ssh_common_args (host \"srv1\"): ssh options with no converge equivalent are left out: -o ProxyJump=bastion.example.net") })
        #expect(notes.contains { $0.hasPrefix("hosts:10: ansible_become_user=postgres (group \"servers\"): converge's sudo runs commands as root") })
        #expect(notes.contains { $0.hasPrefix("hosts:12: ansible_ssh_pipelining (group \"servers\") has no converge equivalent") })
        #expect(notes.contains { $0.hasPrefix("hosts:13: \"fqdn\" (group \"servers\") is a Jinja2 template") })
    }
}
