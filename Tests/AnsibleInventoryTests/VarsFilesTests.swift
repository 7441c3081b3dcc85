import Inventory
import Testing

@testable import AnsibleInventory

/// `group_vars/` and `host_vars/` read as Ansible reads them, and secrets named uniquely.
@Suite("Vars files and secrets")
struct VarsFilesTests {
    @Test func onlyTheFirstCandidateIsReadAndTheOthersAreReported() throws {
        let scratch = try ScratchInventory([
            "hosts": "[web]\nweb1\n",
            "group_vars/web/10-main.yml": "port: 80\nname: from-directory\n",
            "group_vars/web/20-more.yaml": "port: 81\n",
            "group_vars/web/notes.txt": "ignored by Ansible\n",
            "group_vars/web/.hidden.yml": "port: 99\n",
            "group_vars/web/nested/30-deep.json": #"{"deep": true}"#,
            "group_vars/web.yml": "port: 1\n",
            "group_vars/db.yml": "port: 5432\n",
        ])
        let conversion = try scratch.convert()
        let web1 = try #require(conversion.inventory.host(named: "web1"))
        #expect(web1.vars == ["port": 81, "name": "from-directory", "deep": true])
        #expect(scratch.notes(conversion) == [
            #"group_vars/db.yml: not read, as Ansible does not read it: the inventory has no group named "db""#,
            #"group_vars/web.yml: not read, as Ansible does not read it: group_vars/web comes first for group "web" (Ansible reads only the first of web, web.yml, web.yaml, web.json)"#,
            "group_vars/web/notes.txt: not read, as Ansible does not read it: vars files end in .yml, .yaml or .json or have no extension",
        ])
    }

    @Test func aGroupVarsFileInsteadOfADirectoryIsReported() throws {
        let scratch = try ScratchInventory(["hosts": "[web]\nweb1\n", "group_vars": "port: 80\n"])
        let conversion = try scratch.convert()
        #expect(scratch.notes(conversion) == ["group_vars: not read, as Ansible does not read it: group_vars must be a directory"])
        #expect(conversion.inventory.host(named: "web1")?.vars == [:])
    }

    @Test func emptyVarsFilesCountForNothing() throws {
        let scratch = try ScratchInventory([
            "hosts": "[web]\nweb1 a=1\n",
            "host_vars/web1.yml": "# nothing yet\n",
        ])
        #expect(try scratch.convert().inventory.host(named: "web1")?.vars == ["a": 1])
    }

    @Test func aVaultEncryptedVarsFileIsReportedNotRead() throws {
        let scratch = try ScratchInventory([
            "hosts": "[db]\ndb1\n",
            "group_vars/db/vault.yml": "$ANSIBLE_VAULT;1.1;AES256\n6162636465\n",
            "group_vars/db/main.yml": "port: 5432\n",
        ])
        let conversion = try scratch.convert()
        #expect(conversion.inventory.host(named: "db1")?.vars == ["port": 5432])
        let note = try #require(scratch.notes(conversion).first)
        #expect(note.hasPrefix(#"group_vars/db/vault.yml:1: vault-encrypted file: converge cannot decrypt Ansible Vault, so the vars of group "db" in it are NOT imported"#))
    }

    @Test func secretEnvironmentNamesAreUniqueAndStable() {
        let session = ImportSession()
        let origin = SourceLine(file: "hosts", line: 3)
        let first = session.vaultEnvironmentName(scope: .group("web-1"), path: ["db.password"], origin: origin)
        let clash = session.vaultEnvironmentName(scope: .group("web_1"), path: ["db_password"], origin: SourceLine(file: "hosts", line: 9))
        #expect(first == "CONVERGE_VAULT_WEB_1_DB_PASSWORD")
        #expect(clash == "CONVERGE_VAULT_WEB_1_DB_PASSWORD_2")
        #expect(session.vaultEnvironmentName(scope: .group("web-1"), path: ["db.password"], origin: origin) == first)
        #expect(session.passwordEnvironmentName(scope: .all, purpose: "SUDO_PASSWORD", origin: origin) == "CONVERGE_ALL_SUDO_PASSWORD")
    }

    @Test func plainTextSecretsNeverReachTheOutput() throws {
        let scratch = try ScratchInventory([
            "hosts": "[web]\nweb1 ansible_become_pass=s3cret ansible_ssh_private_key_passphrase=p4ss\n",
        ])
        let conversion = try scratch.convert()
        #expect(!conversion.text.contains("s3cret"))
        #expect(!conversion.text.contains("p4ss"))
        let web1 = try #require(conversion.inventory.host(named: "web1"))
        #expect(web1.ssh.sudoPasswordEnvironmentVariable == "CONVERGE_WEB1_SUDO_PASSWORD")
        #expect(web1.ssh.passphraseEnvironmentVariable == "CONVERGE_WEB1_KEY_PASSPHRASE")
        #expect(scratch.notes(conversion).count == 2)
    }

    @Test func ungroupedIsAGroupOnlyWhenItHasVars() throws {
        let plain = try ScratchInventory(["hosts": "lonely1\n[web]\nweb1\n"])
        #expect(try plain.convert().inventory.groups.map(\.name) == ["web"])
        let withVars = try ScratchInventory(["hosts": "lonely1\n[web]\nweb1\n", "group_vars/ungrouped.yml": "stray: true\n"])
        let conversion = try withVars.convert()
        #expect(conversion.inventory.groups.map(\.name) == ["ungrouped", "web"])
        #expect(conversion.inventory.host(named: "lonely1")?.vars == ["stray": true])
        #expect(conversion.inventory.host(named: "web1")?.vars == [:])
    }
}
