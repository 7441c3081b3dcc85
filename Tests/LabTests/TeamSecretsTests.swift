import Foundation
import Testing
import TestSupport

extension LabSuite {
    /// A team on one machine: Alice and Bob, two users with their own homes, SSH keys and
    /// checkouts of the playbooks repository, both recipients of its secret store; Carol, a
    /// bastion's user with a checkout but no store key. Each logs in to the fleet with the
    /// lab's key (copied into their home), and decrypts with their own key only.
    @Suite("A team of controllers sharing a secret store",
           .enabled(if: !Lab.fleetHosts.isEmpty, "needs scripts/lab up --fleet inventory/fleet.json"))
    struct TeamSecretsTests {
        /// One user and their checkout: `inventory/fleet.json` naming `../secrets`.
        struct Member {
            let user: String
            let home: String
            var checkout: String { home + "/playbooks" }
            var inventory: String { checkout + "/inventory/fleet.json" }
            var store: String { checkout + "/secrets" }
            var publicKey: String { home + "/.ssh/id_ed25519.pub" }

            /// Runs the converge binary as this user, in a clean environment of theirs.
            func converge(_ arguments: [String]) throws -> (status: Int32, output: String) {
                let result = try run(
                    ["/usr/bin/env", "runuser", "-u", user, "--", "/usr/bin/env", "-i", "HOME=\(home)", "USER=\(user)",
                     "PATH=/usr/local/bin:/usr/bin:/bin", Lab.convergeBinary.path] + arguments)
                return (result.status, result.stdout + result.stderr)
            }
        }

        static let root = "/var/tmp/converge-team-test"
        static let fleetStore = "/var/lib/converge-lab/store"

        /// The three users, made once: each with an SSH key of their own, the lab's login
        /// key and known hosts, and a checkout whose store is a copy of the fleet's.
        static let team: Result<[Member], ControllerError> = {
            do {
                try controller(["rm", "-rf", root])
                try controller(["mkdir", "-p", "-m", "0755", root])
                var members: [Member] = []
                for name in ["alice", "bob", "carol"] {
                    let user = "converge-\(name)"
                    let member = Member(user: user, home: "\(root)/\(name)")
                    if (try? controller(["id", "-u", user])) == nil {
                        try controller(["useradd", "--system", "--shell", "/bin/sh", "--no-create-home", user])
                    }
                    try controller(["mkdir", "-p", member.home + "/.ssh", member.checkout + "/inventory"])
                    try controller(["cp", "/var/lib/converge-lab/id_ed25519", member.home + "/.ssh/lab_login"])
                    try controller(["cp", "/var/lib/converge-lab/known_hosts", member.home + "/.ssh/known_hosts"])
                    try controller(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", user, "-f", member.home + "/.ssh/id_ed25519"])
                    var document = try JSONSerialization.jsonObject(
                        with: Data(contentsOf: URL(fileURLWithPath: FleetTests.inventory))) as! [String: Any]
                    document["secrets"] = "../secrets"
                    var ssh = document["ssh"] as! [String: Any]
                    ssh["identityFile"] = "~/.ssh/lab_login"
                    ssh["knownHosts"] = "~/.ssh/known_hosts"
                    document["ssh"] = ssh
                    try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted])
                        .write(to: URL(fileURLWithPath: member.inventory))
                    members.append(member)
                }
                // The team's store, as the repository holds it: the fleet's, with Alice and
                // Bob added by its one recipient so far (the lab's key).
                let shared = root + "/store"
                try controller(["cp", "-a", fleetStore, shared])
                try controller(
                    [Lab.convergeBinary.path, "secrets", "rekey", "--store", shared,
                     "--add-recipient", members[0].publicKey, "--add-recipient", members[1].publicKey],
                    environment: ["CONVERGE_IDENTITY": "/var/lib/converge-lab/id_ed25519"])
                for member in members {
                    try controller(["cp", "-a", shared, member.store])
                    try controller(["chown", "-R", "\(member.user):", member.home])
                    try controller(["chmod", "-R", "go-rwx", member.home])
                }
                return .success(members)
            } catch let error as ControllerError {
                return .failure(error)
            } catch {
                return .failure(ControllerError(command: "making the team", status: -1, stderr: "\(error)"))
            }
        }()

        /// The SHA-256 of every secret file on every fleet host, as the hosts recorded them.
        static func secretDigests() async throws -> [String: String] {
            var digests: [String: String] = [:]
            for host in Lab.fleetHosts {
                let result = try await Lab.connect(host).run(
                    "cd /var/lib/converge/secret-digests 2>/dev/null || exit 0; cat ./*.sha256 | sort; sha256sum $(cut -c67- ./*.sha256) | sort")
                #expect(result.succeeded, "\(host.name): \(result.stderrText)")
                digests[host.name] = result.stdoutText
            }
            return digests
        }

        /// "git pull": `member`'s checkout gets `from`'s store.
        static func pull(_ member: Member, from other: Member) throws {
            try controller(["rm", "-rf", member.store])
            try controller(["cp", "-a", other.store, member.store])
            try controller(["chown", "-R", "\(member.user):", member.store])
        }

        @Test("two controllers converge the fleet one after the other: the second changes nothing, the passwords stay")
        func twoControllersAgree() async throws {
            try FleetTests.requireConverged()
            let team = try Self.team.get()
            let (alice, bob) = (team[0], team[1])
            let before = try await Self.secretDigests()
            for tier in ["lb", "web", "db"] {
                #expect(before.contains { $0.key.hasPrefix(tier) && !$0.value.isEmpty }, "\(tier) hosts hold secret files: \(before)")
            }

            let first = try alice.converge(["apply", alice.inventory])
            #expect(first.status == 0, "\(first.output.suffix(3000))")
            try Self.pull(bob, from: alice)
            let second = try bob.converge(["apply", bob.inventory])
            #expect(second.status == 0, "\(second.output.suffix(3000))")
            #expect(second.output.contains("\(Lab.fleetHosts.count) ok, 0 changed"), "\(second.output.suffix(3000))")
            #expect(try await Self.secretDigests() == before)
            // Nobody made a secret of their own: the store is the one they started from.
            let names = try controller(["ls", "-A", bob.store])
            #expect(names == (try controller(["ls", "-A", Self.fleetStore])), "\(names)")
        }

        @Test("a plan saved by one controller is applied by another; the same plan edited by hand is refused")
        func planSavedByOneAppliedByAnother() async throws {
            try FleetTests.requireConverged()
            let team = try Self.team.get()
            let (alice, bob) = (team[0], team[1])
            let web1 = try #require(Lab.fleetHosts.first { $0.name == "web1" })
            _ = try await Lab.connect(web1).run("echo hand-edited > /etc/mailname")

            // CI (Alice) makes the plan; the operator (Bob) reviews and applies it.
            let plan = Self.root + "/plan.json"
            let made = try alice.converge(["plan", alice.inventory, "--host", "web1", "--out", alice.home + "/plan.json"])
            #expect(made.status == 2, "\(made.output)")
            // Handed over as CI hands over an artifact: a copy Bob can read.
            try controller(["install", "-m", "0644", alice.home + "/plan.json", plan])
            let edited = Self.root + "/plan-edited.json"
            try controller(["sh", "-c", "sed 's|/etc/mailname|/etc/mailnamx|' \(plan) > \(edited) && chmod 0644 \(edited)"])
            #expect(try run(["/usr/bin/env", "cmp", "-s", plan, edited]).status == 1, "the edit changed the plan")

            let refused = try bob.converge(["apply", edited, "--plan-inventory", bob.inventory])
            #expect(refused.status != 0)
            #expect(refused.output.contains("the plan was changed after `converge plan` wrote it"), "\(refused.output)")
            let applied = try bob.converge(["apply", plan, "--plan-inventory", bob.inventory])
            #expect(applied.status == 0, "\(applied.output)")
            let mailname = try await Lab.connect(web1).run("cat /etc/mailname")
            #expect(!mailname.stdoutText.isEmpty && !mailname.stdoutText.contains("hand-edited"), "\(mailname.stdoutText)")
        }

        @Test("a drift sweep by a user with neither secrets nor the store's key judges secret files as the team does")
        func aBastionWithoutSecrets() async throws {
            try FleetTests.requireConverged()
            let carol = try Self.team.get()[2]
            let web2 = try #require(Lab.fleetHosts.first { $0.name == "web2" })
            // Carol's key opens nothing in the store.
            let show = try carol.converge(["secrets", "show", "mariadb-app", "--store", carol.store])
            #expect(show.status != 0)
            #expect(show.output.contains("cannot decrypt"), "\(show.output)")

            func sweep() throws -> [String: Any] {
                let out = carol.home + "/report-\(UUID().uuidString).json"
                let run = try carol.converge(["drift", carol.inventory, "--format", "json", "--out", out])
                #expect(run.status <= 1, "\(run.output)")
                return try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out))) as! [String: Any]
            }
            func findings(_ report: [String: Any]) -> [String] {
                (report["hosts"] as? [[String: Any]] ?? []).flatMap { host in
                    (host["drift"] as? [[String: Any]] ?? []).map { "\(host["name"] ?? "?") \($0["resource"] ?? "?"): \($0["reason"] ?? "?")" }
                }
            }
            let untouched = findings(try sweep())
            #expect(!untouched.contains { $0.contains("config.php") || $0.contains("app.cnf") || $0.contains("site.pem") || $0.contains("unknown") },
                    "\(untouched)")

            _ = try await Lab.connect(web2).run("cp -p /etc/shop/config.php /root/config.php.saved && echo '// hand edit' >> /etc/shop/config.php")
            defer { Task { _ = try? await Lab.connect(web2).run("cp -p /root/config.php.saved /etc/shop/config.php") } }
            let edited = findings(try sweep())
            #expect(edited.contains("web2 file:/etc/shop/config.php: content differs"), "\(edited)")
            #expect(edited.filter { $0.contains("config.php") }.count == 1, "\(edited)")
            _ = try await Lab.connect(web2).run("cp -p /root/config.php.saved /etc/shop/config.php && rm /root/config.php.saved")
            #expect(!findings(try sweep()).contains { $0.contains("config.php") })
        }

        @Test("a recipient removed and the store rekeyed: that user's key decrypts nothing")
        func aRemovedRecipientReadsNothing() throws {
            let team = try Self.team.get()
            let (alice, bob) = (team[0], team[1])
            // In a copy of Alice's checkout, as a branch would be.
            let store = Self.root + "/rekeyed"
            try controller(["rm", "-rf", store])
            try controller(["cp", "-a", alice.store, store])
            try controller(["chown", "-R", "\(alice.user):", store])
            try controller(["chmod", "-R", "a+rX", store])
            defer { _ = try? controller(["rm", "-rf", store]) }
            #expect(try bob.converge(["secrets", "show", "mariadb-app", "--store", store]).status == 0)

            let rekey = try alice.converge(["secrets", "rekey", "--store", store, "--remove-recipient", bob.user])
            #expect(rekey.status == 0, "\(rekey.output)")
            let files = try controller(["sh", "-c", "ls -A \(store) | grep '[.]age$'"]).split(separator: "\n")
            #expect(files.count >= 4, "the three secrets and the plan key: \(files)")
            for file in files {
                let decrypted = try run(
                    ["/usr/bin/env", "runuser", "-u", bob.user, "--", "age", "-d", "-i", bob.home + "/.ssh/id_ed25519", "\(store)/\(file)"])
                #expect(decrypted.status != 0, "\(file): \(decrypted.stdout)")
                #expect(decrypted.stderr.contains("no identity matched any of the recipients"), "\(decrypted.stderr)")
            }
            #expect(try alice.converge(["secrets", "show", "mariadb-app", "--store", store]).status == 0)
        }
    }
}
