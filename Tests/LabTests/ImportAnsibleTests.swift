import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// `converge import-ansible` on Ansible inventories that describe the lab fleet, as a team
    /// moving from Ansible would have them, then `converge facts` on the result: the imported
    /// inventory reaches every host. Read-only on the hosts.
    @Suite("converge import-ansible on the lab fleet")
    struct ImportAnsibleTests {
        static var converge: String { ConvergeTests.executable.path }

        /// The lab as an INI inventory: a `lab` group of every host, one group per release,
        /// connection settings for all hosts. Ansible itself would need the known_hosts option
        /// too, since the lab's host keys are not in ~/.ssh/known_hosts.
        static var iniInventory: String {
            var text = "# The converge lab fleet, described for Ansible.\n[lab]\n"
            for host in Lab.hosts { text += "\(host.name) ansible_host=\(host.address)\n" }
            for release in Set(Lab.hosts.map(\.release)).sorted() {
                text += "\n[\(release)]\n"
                for host in Lab.hosts where host.release == release { text += host.name + "\n" }
            }
            text += """

                [all:vars]
                ansible_user=root
                ansible_ssh_private_key_file=\(Lab.privateKey)
                ansible_ssh_common_args='-o UserKnownHostsFile=\(Lab.knownHosts)'
                ansible_python_interpreter=/usr/bin/python3

                """
            return text
        }

        /// The lab as a YAML inventory that logs in as `deploy` and becomes root through sudo.
        static var yamlInventory: String {
            var text = """
                all:
                  vars:
                    ansible_user: deploy
                    ansible_become: yes
                    ansible_ssh_private_key_file: \(Lab.privateKey)
                    ansible_ssh_common_args: -o UserKnownHostsFile=\(Lab.knownHosts)
                  children:
                    lab:
                      hosts:

                """
            for host in Lab.hosts { text += "        \(host.name):\n          ansible_host: \(host.address)\n" }
            return text
        }

        /// Runs `converge facts --json` on `inventory` and returns each host's answer.
        static func facts(_ inventory: String) throws -> (status: Int32, hosts: [String: Bool], output: String) {
            let result = try run([converge, "facts", inventory, "--format", "json"])
            let document = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
            let entries = document?["hosts"] as? [[String: Any]] ?? []
            var answered: [String: Bool] = [:]
            for entry in entries {
                if let name = entry["name"] as? String { answered[name] = entry["ok"] as? Bool ?? false }
            }
            return (result.status, answered, result.stdout + result.stderr)
        }

        @Test("an INI inventory of the lab, imported, answers converge facts for every host")
        func iniInventory() throws {
            let scratch = try TemporaryDirectory()
            try FileManager.default.createDirectory(atPath: scratch.path + "/ansible", withIntermediateDirectories: true)
            try Self.iniInventory.write(toFile: scratch.path + "/ansible/hosts.ini", atomically: true, encoding: .utf8)
            let output = scratch.path + "/inventory/lab-from-ansible.json"
            try FileManager.default.createDirectory(atPath: scratch.path + "/inventory", withIntermediateDirectories: true)

            let imported = try run([Self.converge, "import-ansible", scratch.path + "/ansible", "--out", output])
            #expect(imported.status == 0, "\(imported.stderr)")
            #expect(imported.stdout.isEmpty)
            let interpreterLine = try #require(
                Self.iniInventory.split(separator: "\n", omittingEmptySubsequences: false)
                    .firstIndex { $0.hasPrefix("ansible_python_interpreter") }) + 1
            #expect(imported.stderr.contains("/ansible/hosts.ini:\(interpreterLine): ansible_python_interpreter (all hosts) has no converge equivalent"),
                    "\(imported.stderr)")
            #expect(imported.stderr.contains("\(output): \(Lab.hosts.count) hosts and"), "\(imported.stderr)")

            let inventory = try String(contentsOfFile: output, encoding: .utf8)
            #expect(inventory.contains("\"knownHosts\": \"\(Lab.knownHosts)\""))
            #expect(!inventory.contains("ansible_"))

            let facts = try Self.facts(output)
            #expect(facts.status == 0, "\(facts.output)")
            #expect(facts.hosts == Dictionary(uniqueKeysWithValues: Lab.hosts.map { ($0.name, true) }), "\(facts.output)")

            // The same input gives the same file.
            let again = try run([Self.converge, "import-ansible", scratch.path + "/ansible/hosts.ini"])
            #expect(again.status == 0)
            #expect(again.stdout == inventory)
        }

        @Test("a YAML inventory with ansible_become logs in as deploy and gathers facts through sudo")
        func yamlInventoryWithBecome() throws {
            let scratch = try TemporaryDirectory()
            try Self.yamlInventory.write(toFile: scratch.path + "/hosts.yml", atomically: true, encoding: .utf8)
            let output = scratch.path + "/lab.json"
            let imported = try run([Self.converge, "import-ansible", scratch.path + "/hosts.yml", "--out", output])
            #expect(imported.status == 0, "\(imported.stderr)")
            let inventory = try String(contentsOfFile: output, encoding: .utf8)
            #expect(inventory.contains("\"user\": \"deploy\""))
            #expect(inventory.contains("\"sudo\": true"))

            let facts = try Self.facts(output)
            #expect(facts.status == 0, "\(facts.output)")
            #expect(facts.hosts == Dictionary(uniqueKeysWithValues: Lab.hosts.map { ($0.name, true) }), "\(facts.output)")
        }

        @Test("a malformed Ansible inventory exits 2 with one FILE:LINE error and writes nothing")
        func malformedInventory() throws {
            let scratch = try TemporaryDirectory()
            try "[lab]\nlab[01:3]\n".write(toFile: scratch.path + "/hosts", atomically: true, encoding: .utf8)
            let output = scratch.path + "/out.json"
            let imported = try run([Self.converge, "import-ansible", scratch.path + "/hosts", "--out", output])
            #expect(imported.status == 2)
            #expect(imported.stderr == "\(scratch.path)/hosts:2: error: host range in \"lab[01:3]\" must specify equal-length begin and end formats\n")
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }
}
