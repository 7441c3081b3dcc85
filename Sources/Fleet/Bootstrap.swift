import Foundation
import Inventory
import Shell
import SSH

/// Turns a newly leased box (an address and a root password) into a member of the fleet:
/// trust its host key, install the operator's keys, name it, harden sshd without ever
/// locking the operator out, and add it to the inventory.
///
/// Every step checks before it changes, so a second run, or a run after one that was cut
/// off midway, finishes the job and changes nothing that is already right.
public struct Bootstrap: Sendable {
    /// How the first contact's host key is trusted.
    public enum Trust: Sendable {
        case fingerprint(String)
        case acceptNew
    }

    public var address: String
    public var name: String
    public var group: String
    public var inventoryPath: String
    public var rootPassword: String
    public var trust: Trust
    /// A user to create for the operator's keys, with password-less sudo, instead of root.
    public var deployUser: String?

    public init(address: String, name: String, group: String, inventoryPath: String,
                rootPassword: String, trust: Trust, deployUser: String? = nil) {
        self.address = address
        self.name = name
        self.group = group
        self.inventoryPath = inventoryPath
        self.rootPassword = rootPassword
        self.trust = trust
        self.deployUser = deployUser
    }

    /// What a run did, step by step, for the operator.
    public struct Outcome: Sendable {
        public private(set) var steps: [String] = []
        public var host: Inventory.Host
        public var inventoryChanged = false
        private var run: HostRun?

        init(host: Inventory.Host, run: HostRun?) {
            self.host = host
            self.run = run
        }

        /// A step done: kept, and told to the run as it happens.
        mutating func record(_ step: String) {
            steps.append(step)
            run?.emit(.note(host: host.name, text: step))
        }
    }

    /// Runs every step; throws a `HostFailure` naming the step that failed. The inventory
    /// file is written only once the host is reachable with the operator's key.
    ///
    /// - Parameter run: Told of each step as it is done (a ``FleetEvent/note(host:text:)``).
    public func run(connector: HostConnector = HostConnector(), in run: HostRun? = nil) async throws -> Outcome {
        var copy = self
        return try await copy.runSteps(connector: connector, run: run)
    }

    /// The host as the inventory will have it once bootstrapped: in its group, with the
    /// group's roles, vars and SSH settings. Nothing is written.
    public func inventoryHost() throws -> Inventory.Host {
        try editedInventory().host
    }

    private func editedInventory() throws -> (original: Inventory, edited: [UInt8], host: Inventory.Host) {
        let original = try Inventory.load(contentsOf: inventoryPath)
        let edited = try original.upsertingHost(named: name, address: address, group: group, user: deployUser)
        let inventory = try Inventory.parse(Data(edited), file: inventoryPath, baseDirectory: original.baseDirectory)
        guard let host = inventory.host(named: name) else {
            throw HostFailure(host: name, phase: "inventory", message: "the host is missing after adding it")
        }
        return (original, edited, host)
    }

    /// Who the session is logged in as: root at first contact, the inventory's user later.
    private var asUser = "root"

    private mutating func runSteps(connector: HostConnector, run: HostRun?) async throws -> Outcome {
        let (original, edited, host) = try editedInventory()
        var outcome = Outcome(host: host, run: run)

        // An already bootstrapped host takes the operator's key: then the password is not needed.
        let connection: SSHConnection
        if let keyed = try? await connector.connect(to: host) {
            connection = keyed
            asUser = host.ssh.user
            outcome.record("key login as \(host.ssh.user) already works: first contact skipped")
        } else {
            connection = try await firstContact(host, connector: connector)
            asUser = "root"
            try await connection.recordHostKey(in: host.ssh.knownHostsFile)
            outcome.record("host key \(connection.hostKey.fingerprint) trusted and recorded in \(host.ssh.knownHostsFile)")
        }
        do {
            outcome.record(try await installKeys(host, on: connection, connector: connector))
            outcome.record(try await setHostname(on: connection))
            outcome.record(try await hardenSSH(host, on: connection, connector: connector))

            if edited != original.source {
                try Inventory.write(edited, to: inventoryPath)
                outcome.inventoryChanged = true
                outcome.record("\(inventoryPath): \(original.host(named: name) == nil ? "added" : "updated") \(name)")
            } else {
                outcome.record("\(inventoryPath): \(name) already there")
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        return outcome
    }

    private func firstContact(_ host: Inventory.Host, connector: HostConnector) async throws -> SSHConnection {
        let policy: SSH.HostKeyPolicy
        switch trust {
        case .fingerprint(let fingerprint): policy = .pinned(fingerprint: fingerprint)
        case .acceptNew: policy = .acceptNew
        }
        let options = SSHOptions(credentials: SSHCredentials(user: "root", agentSocket: nil, password: rootPassword),
                                 hostKeyPolicy: policy, knownHostsFile: host.ssh.knownHostsFile,
                                 connectTimeout: host.ssh.connectTimeout)
        return try await SSHConnection.connect(to: connector.target(for: host), options: options)
    }

    /// Appends each of the operator's public keys to the account's authorized_keys unless
    /// present: root's, or a deploy user's, created with password-less sudo (the sudoers
    /// file checked with `visudo -c` before it is put in place).
    private func installKeys(_ host: Inventory.Host, on connection: SSHConnection, connector: HostConnector) async throws -> String {
        let keys = connector.publicKeys(for: host)
        guard !keys.isEmpty else {
            throw HostFailure(host: host.name, phase: "keys", message: "no public key next to the inventory's identity files (\(host.ssh.identityFiles.joined(separator: ", ")))")
        }
        let account = deployUser ?? "root"
        let script = Self.keysScript(account: account, withSudo: deployUser != nil, keys: keys)
        let result = try await run(script, step: "keys", on: connection)
        let added = Int(result.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0
        let sudo = deployUser == nil ? "" : " (with password-less sudo)"
        return added == 0 ? "\(account)'s authorized_keys already hold the operator's key\(sudo)" : "installed \(added) key(s) for \(account)\(sudo)"
    }

    /// Appends each of `keys` to `account`'s authorized_keys unless there; with `withSudo`,
    /// creates the account with password-less sudo first. Prints how many keys it added.
    static func keysScript(account: String, withSudo: Bool, keys: [String]) -> String {
        var script = "set -e\nuser=\(shellQuote(account))\n"
        if withSudo {
            script += """
                id -u "$user" >/dev/null 2>&1 || useradd -m -s /bin/bash "$user"
                command -v sudo >/dev/null 2>&1 || DEBIAN_FRONTEND=noninteractive apt-get install -y -q sudo >&2
                rule=$(mktemp /etc/sudoers.d/.converge.XXXXXX)
                printf '%s ALL=(ALL) NOPASSWD:ALL\\n' "$user" > "$rule"
                chmod 440 "$rule"
                if cmp -s "$rule" "/etc/sudoers.d/converge-$user"; then rm -f "$rule"
                elif visudo -cf "$rule" >&2; then mv -f "$rule" "/etc/sudoers.d/converge-$user"
                else rm -f "$rule"; echo "the sudoers rule for $user does not pass visudo -c" >&2; exit 1; fi

                """
        }
        script += """
            home=$(getent passwd "$user" | cut -d: -f6)
            umask 077
            mkdir -p "$home/.ssh"
            touch "$home/.ssh/authorized_keys"
            added=0

            """
        for key in keys {
            script += "grep -qxF \(shellQuote(key)) \"$home/.ssh/authorized_keys\" || { printf '%s\\n' \(shellQuote(key)) >> \"$home/.ssh/authorized_keys\"; added=$((added + 1)); }\n"
        }
        script += "chmod 700 \"$home/.ssh\"; chmod 600 \"$home/.ssh/authorized_keys\"; chown -R \"$user\" \"$home/.ssh\"\necho $added\n"
        return script
    }

    /// Sets the hostname (the file, the running kernel's, /etc/hosts' 127.0.1.1 line);
    /// prints `yes` when it changed anything.
    static func hostnameScript(name: String) -> String {
        """
            set -e
            name=\(shellQuote(name))
            changed=no
            if [ "$(cat /etc/hostname 2>/dev/null)" != "$name" ]; then printf '%s\\n' "$name" > /etc/hostname; changed=yes; fi
            if [ "$(hostname)" != "$name" ]; then hostname "$name"; changed=yes; fi
            if ! grep -q "^127.0.1.1[[:space:]]$name\\$" /etc/hosts; then
                grep -v '^127.0.1.1[[:space:]]' /etc/hosts > /etc/hosts.converge-new || true
                printf '127.0.1.1\\t%s\\n' "$name" >> /etc/hosts.converge-new
                cat /etc/hosts.converge-new > /etc/hosts && rm -f /etc/hosts.converge-new
                changed=yes
            fi
            echo $changed
            """
    }

    private func setHostname(on connection: SSHConnection) async throws -> String {
        let script = Self.hostnameScript(name: name)
        let changed = try await run(script, step: "hostname", on: connection).hasPrefix("yes")
        return changed ? "hostname set to \(name)" : "hostname already \(name)"
    }

    /// No password logins, root by key only: written, checked with `sshd -t`, reloaded,
    /// then proven by a fresh key login; any failure puts the previous config back.
    private func hardenSSH(_ host: Inventory.Host, on connection: SSHConnection, connector: HostConnector) async throws -> String {
        let hardening = SSHHardening(extraOptions: host.vars["sshd_options"]?.arrayValue?.compactMap(\.stringValue) ?? [])
        let result = try await run(hardening.applyScript, step: "sshd", on: connection, allowFailure: true)
        if result.hasPrefix("unchanged") { return "sshd already hardened" }
        guard result.hasPrefix("changed") else {
            throw HostFailure(host: host.name, phase: "sshd",
                              message: "the hardened sshd config was refused and the previous one restored: \(result.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        do {
            try await proveKeyLogin(host, connector: connector)
        } catch {
            _ = try? await run(hardening.rollbackScript, step: "sshd", on: connection, allowFailure: true)
            throw HostFailure(host: host.name, phase: "sshd",
                              message: "a key login failed after hardening, so the previous sshd config was restored: \(HostFailure(error, host: host.name).headline)")
        }
        _ = try await run(hardening.commitScript, step: "sshd", on: connection)
        return "sshd hardened (no password login, root by key only) and a key login proven"
    }

    /// A fresh session with the operator's key. sshd re-executes itself on reload and
    /// refuses connections for a moment, so a refusal is retried for a few seconds.
    private func proveKeyLogin(_ host: Inventory.Host, connector: HostConnector) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while true {
            do {
                let proof = try await connector.connect(to: host)
                let check = try await proof.run(host.ssh.user == "root" ? "true" : "sudo -n true")
                await proof.close()
                guard check.succeeded else {
                    throw HostFailure(host: host.name, phase: "sudo", message: "\(host.ssh.user) cannot use sudo: \(check.stderrText)")
                }
                return
            } catch let error as SSHError where error.kind == .unreachable && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
        }
    }

    private func run(_ script: String, step: String, on connection: SSHConnection, allowFailure: Bool = false) async throws -> String {
        let result = try await connection.run(asUser == "root" ? "sh -s" : "sudo -n sh -s", input: Data(script.utf8))
        if !result.succeeded && !allowFailure {
            throw HostFailure(host: name, phase: step, message: result.stderrText.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return result.succeeded ? result.stdoutText : result.stdoutText + result.stderrText
    }
}

/// The sshd settings a bootstrapped host gets, and the scripts that apply and undo them.
/// A drop-in where sshd_config includes `sshd_config.d` (Debian 11 and later), else a
/// marked block at the top of sshd_config (Debian 8 to 10): sshd keeps the first value
/// it reads for a keyword, so both win over what follows.
struct SSHHardening {
    var extraOptions: [String]

    var settings: String {
        (["# Managed by converge bootstrap: no password logins, root by key only.",
          "PasswordAuthentication no",
          "KbdInteractiveAuthentication no",
          "PermitRootLogin prohibit-password"] + extraOptions).joined(separator: "\n") + "\n"
    }

    private var prelude: String {
        """
        set -e
        config=/etc/ssh/sshd_config
        dropin=/etc/ssh/sshd_config.d/60-converge.conf
        if grep -q '^Include /etc/ssh/sshd_config.d/\\*\\.conf' "$config"; then target=$dropin; else target=$config; fi
        backup="$target.converge-backup"
        reload() { systemctl reload ssh 2>/dev/null || systemctl reload sshd 2>/dev/null || service ssh reload; }

        """
    }

    var applyScript: String {
        prelude + """
        desired=\(shellQuote(settings))
        if [ "$target" = "$dropin" ]; then
            new=$(mktemp /etc/ssh/.60-converge.XXXXXX)
            printf '%s' "$desired" > "$new"
        else
            new=$(mktemp /etc/ssh/.sshd_config.XXXXXX)
            { printf '%s# END converge bootstrap\\n' "$desired"; sed '1,/^# END converge bootstrap$/{/^# Managed by converge bootstrap/,/^# END converge bootstrap$/d}' "$config"; } > "$new"
        fi
        if [ -f "$target" ] && cmp -s "$new" "$target"; then rm -f "$new"; echo unchanged; exit 0; fi
        if [ -f "$target" ]; then cp -p "$target" "$backup"; else : > "$backup.absent"; fi
        chmod 644 "$new"
        mv -f "$new" "$target"
        if ! errors=$(/usr/sbin/sshd -t 2>&1); then
            if [ -f "$backup" ]; then mv -f "$backup" "$target"; else rm -f "$target" "$backup.absent"; fi
            printf 'sshd -t: %s\\n' "$errors"
            exit 1
        fi
        reload
        echo changed
        """
    }

    var rollbackScript: String {
        prelude + """
        if [ -f "$backup" ]; then mv -f "$backup" "$target"; elif [ -f "$backup.absent" ]; then rm -f "$target" "$backup.absent"; fi
        reload
        """
    }

    var commitScript: String {
        prelude + "rm -f \"$backup\" \"$backup.absent\"\n"
    }
}

/// What bootstrapping a box came to: its steps, then its first converge.
public struct BootstrappedHost: Sendable {
    /// The bootstrap's steps, in words, as they were done.
    public var steps: [String]
    /// Why the bootstrap itself failed; the box was then not converged.
    public var failure: HostFailure?
    /// The first converge, once bootstrapped.
    public var applied: AppliedHost?
}

extension Bootstrap {
    /// Bootstraps the box, then converges it with the inventory as the bootstrap left it,
    /// as the one host of a run of `runner`.
    ///
    /// - Parameter convergence: Makes the convergence for the inventory once the box is in
    ///   it (the command line checks the roles it names there).
    /// - Throws: When the box's inventory entry cannot be made (an unreadable inventory, a
    ///   bad name), before anything is contacted.
    public func run(with runner: FleetRunner, connector: HostConnector = HostConnector(),
                    convergence: @escaping @Sendable (Inventory) throws -> Convergence) async throws -> FleetResult<BootstrappedHost> {
        let box = try inventoryHost()
        return await runner.run("bootstrap", hosts: [box]) { run in
            run.enter(.bootstrap)
            let outcome: Outcome
            do {
                outcome = try await self.run(connector: connector, in: run)
            } catch {
                let failure = HostFailure(error, host: name)
                return HostResult(status: failure.unreachable ? .unreachable : .failed,
                                  value: BootstrappedHost(steps: [], failure: failure), failure: failure)
            }
            // The host as the inventory now has it, converged like any other.
            let inventory = try Inventory.load(contentsOf: inventoryPath)
            guard let host = inventory.host(named: name) else {
                throw HostFailure(host: name, phase: "inventory", message: "\(inventoryPath): \(name) is missing after bootstrap")
            }
            let convergence = try convergence(inventory)
            let converged = try await FleetApply(convergence: convergence).converge(run) { run in
                try await convergence.plan(host, refreshingStaleLists: true, in: run)
            }
            let value = BootstrappedHost(steps: outcome.steps, applied: converged.value)
            return HostResult(status: converged.status, value: value, changes: converged.report.changes,
                              failure: converged.report.failure)
        }
    }
}
