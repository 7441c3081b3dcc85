import Facts
import Shell
import Foundation

/// The POSIX sh for operations, as the apply script runs them: each step in a subshell
/// with `set -e`, standard input from /dev/null, on jessie's dash, coreutils 8.23,
/// dpkg 1.17, shadow 4.2 and systemd 215 as on trixie. Every value is shell-quoted.
public enum ShellCommands {
    /// The options of every `apt-get install`: no questions, keep changed configuration
    /// files, wait for dpkg's lock (apt ≥ 1.9.11; older apt ignores the option and
    /// `converge_apt` retries instead), and no pseudo-terminal for dpkg (only its
    /// progress bar needs one, and it costs every install time on the host).
    package static func aptOptions(lockTimeout: Int) -> String {
        "-y -q -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold -o DPkg::Lock::Timeout=\(lockTimeout) -o Dpkg::Use-Pty=0"
    }

    /// One `apt-get install` transaction: `name`, `name=version`, and removals as `name-`;
    /// the holds in `unhold` released before it and those in `hold` made after it, an
    /// install of a package in `hold` let through its hold. The packages in `upgrade` are
    /// installed packages brought to a newer version: they keep apt's mark (an upgraded
    /// dependency stays one, for `autoremove`), and once the transaction is done the services
    /// still running code of a library it replaced are restarted.
    public static func packages(
        install: [(name: String, version: String?)], upgrade: [(name: String, version: String?)] = [], remove: [String],
        allowDowngrades: Bool, hold: [String] = [], unhold: [String] = [], lockTimeout: Int = 300
    ) -> String {
        var lines: [String] = []
        if !unhold.isEmpty { lines.append("converge_select install " + unhold.map(shellQuote).joined(separator: " ")) }
        if !upgrade.isEmpty {
            // `apt-get install` marks what it names as installed by hand: remember the others.
            lines.append("converge_auto=$(apt-mark showauto | grep -F -x " + upgrade.map { "-e " + shellQuote($0.name) }.joined(separator: " ") + " || true)")
        }
        let words = (install + upgrade).map { package in shellQuote(package.version.map { "\(package.name)=\($0)" } ?? package.name) }
            + remove.map { shellQuote($0 + "-") }
        if !words.isEmpty {
            // Downgrades: --allow-downgrades (apt ≥ 1.1) as configuration, force-yes only for
            // apt 1.0, which knows no other way: on later apt, force-yes lets everything
            // through (a hold, an unauthenticated package).
            var options = ""
            if allowDowngrades {
                lines.append("converge_force=\nif converge_old_apt; then converge_force=APT::Get::force-yes=true; fi")
                options = " -o APT::Get::allow-downgrades=true ${converge_force:+-o \"$converge_force\"}"
            }
            let held = install.map(\.name).filter(hold.contains)
            if !held.isEmpty {
                lines.append("converge_allow_held " + held.map(shellQuote).joined(separator: " "))
                options += " ${converge_held_option:+-o \"$converge_held_option\"}"
            }
            lines.append("converge_apt \(aptOptions(lockTimeout: lockTimeout))\(options) install \(words.joined(separator: " "))")
        }
        if !hold.isEmpty { lines.append("converge_select hold " + hold.map(shellQuote).joined(separator: " ")) }
        if !upgrade.isEmpty {
            lines.append("""
                # shellcheck disable=SC2086 # one word a package name
                if [ -n "$converge_auto" ]; then apt-mark auto $converge_auto >/dev/null; fi
                \(restartServicesOfReplacedLibraries)
                """)
        }
        return lines.joined(separator: "\n")
    }

    /// Restarts (`try-restart`) each service with a process that maps a deleted shared
    /// library, as needrestart finds them: the library was replaced, and the process still
    /// runs the old code. PID 1 is re-executed (`systemctl daemon-reexec`, as needrestart
    /// and systemd's own upgrades do). Not D-Bus, a getty or a user's manager, which a
    /// restart would cut users off from; those wait for the next reboot (the baseline's
    /// reboot, when allowed, makes one after the C library changed). Says what it did.
    static let restartServicesOfReplacedLibraries = #"""
        if grep -q -E '\#(deletedLibrary)' /proc/1/maps 2>/dev/null; then
        	systemctl daemon-reexec
        	echo "converge: re-executed systemd (PID 1): it ran a replaced library"
        fi
        converge_stale=$(for converge_m in /proc/[0-9]*/maps; do
        	converge_p=${converge_m#/proc/}; converge_p=${converge_p%/maps}
        	[ "$converge_p" != 1 ] || continue
        	grep -q -E '\#(deletedLibrary)' "$converge_m" 2>/dev/null || continue
        	\#(serviceOfProcess)
        	case $converge_u in ''|\#(unitsLeftForReboot)) continue ;; esac
        	echo "$converge_u"
        done | sort -u)
        # shellcheck disable=SC2086 # one word a unit
        for converge_u in $converge_stale; do
        	systemctl try-restart "$converge_u"
        	echo "converge: restarted $converge_u: it ran a replaced library"
        done
        """#

    /// An extended regular expression matching a line of `/proc/PID/maps` that maps a shared
    /// library deleted since (replaced by an upgrade).
    static let deletedLibrary = #" /(usr/)?lib[^ ]*/[^/ ]*\.so[^/ ]* \(deleted\)$"#

    /// Sets `converge_u` to the service unit process `$converge_p` runs in (from its
    /// cgroup), empty for none.
    static let serviceOfProcess = #"converge_u=$(sed -n 's|^[^:]*:[^:]*:.*/\([^/]*\.service\)$|\1|p' "/proc/$converge_p/cgroup" 2>/dev/null | head -n 1)"#

    /// A `case` pattern of the units a restart after an upgrade leaves alone, as restarting
    /// them would cut users off: D-Bus, gettys, users' managers. Only a reboot renews them.
    static let unitsLeftForReboot = "dbus.service|user@*|*getty@*|console-getty.service"

    /// A release upgrade, as Debian's release notes give it: the sources rewritten
    /// (`DebianSuites.rewriteCommand(from:to:)`, each file replaced whole by a rename, the
    /// old ones kept in `/var/backups/converge/apt-sources-FROM.tar`), the lists refreshed,
    /// a minimal upgrade first, then the full one, then apt's `autoremove` of the packages
    /// installed as dependencies that nothing needs any more (the old release's libraries),
    /// as the release notes advise, so the host carries what one born on the new release
    /// would. The host's changed configuration files
    /// are kept (`--force-confold`); a release past its archive gets apt's
    /// `Check-Valid-Until` off, as its Release files have expired.
    static func releaseUpgrade(from: String, to: String, lockTimeout: Int) -> String {
        let archiveConfig = "/etc/apt/apt.conf.d/99converge-archived-release"
        let options = aptOptions(lockTimeout: lockTimeout)
        return """
            converge_into=$(mktemp -d /var/tmp/converge-release.XXXXXX)
            \(DebianSuites.rewriteCommand(from: from, to: to))
            mkdir -p /var/backups/converge
            (cd /etc/apt && tar -cf /var/backups/converge/apt-sources-\(from).tar --ignore-failed-read sources.list sources.list.d 2>/dev/null)
            if [ -f /etc/apt/sources.list ]; then
            	cp "$converge_into/sources.list" /etc/apt/.sources.list.converge-new
            	mv -f /etc/apt/.sources.list.converge-new /etc/apt/sources.list
            fi
            for converge_f in "$converge_into"/sources.list.d/*; do
            	[ -f "$converge_f" ] || continue
            	cp "$converge_f" "/etc/apt/sources.list.d/.${converge_f##*/}.converge-new"
            	mv -f "/etc/apt/sources.list.d/.${converge_f##*/}.converge-new" "/etc/apt/sources.list.d/${converge_f##*/}"
            done
            rm -rf "$converge_into"
            \(DebianSuites.archived.contains(to)
                ? "printf 'Acquire::Check-Valid-Until \"false\";\\n' >\(archiveConfig)"
                : "rm -f \(archiveConfig)")
            echo "converge: apt sources now name \(to) (those of \(from) kept in /var/backups/converge/apt-sources-\(from).tar)"
            converge_apt -q -o DPkg::Lock::Timeout=\(lockTimeout) update
            converge_apt \(options) upgrade
            converge_apt \(options) full-upgrade
            converge_unneeded=$(apt-get -s autoremove 2>/dev/null | sed -n 's/^Remv \\([^ ]*\\).*/\\1/p' | tr '\\n' ' ')
            if [ -n "$converge_unneeded" ]; then
            	converge_apt \(options) --purge autoremove
            	echo "converge: purged what \(from) needed and \(to) does not: ${converge_unneeded% }"
            fi
            echo "converge: now on \(to); the host reboots into it"
            """
    }

    /// The commands of one operation that is not a package install or removal.
    public static func commands(for operation: HostOperation, secrets: SecretValues, lockTimeout: Int = 300) throws(PlanError) -> String {
        switch operation {
        case .refreshPackageLists:
            // A stalled mirror or proxy can leave apt's download methods waiting forever:
            // each try has five minutes, and apt-get update is safe to repeat. (A source
            // that cannot be fetched only warns, as apt does: a host with a dead third-party
            // source still installs from the others. The refresh before planning,
            // ListRefresh, is the strict one.)
            return """
                converge_try=1
                # shellcheck disable=SC2016 # expanded by the inner sh
                until timeout -k 10 300 sh -c '. "$converge_dir/lib"; converge_apt "$@"' sh -q -o DPkg::Lock::Timeout=\(lockTimeout) update; do
                	if [ "$converge_try" -ge 3 ]; then echo "converge: apt-get update failed $converge_try times"; exit 1; fi
                	converge_try=$((converge_try + 1))
                	echo "converge: apt-get update failed or stalled; try $converge_try of 3"
                done
                mkdir -p /var/lib/apt/periodic
                touch /var/lib/apt/periodic/update-success-stamp
                """
        case .installPackage(let name, let version, let downgrade):
            return packages(install: [(name, version)], remove: [], allowDowngrades: downgrade, lockTimeout: lockTimeout)
        case .upgradePackage(let name, let version):
            return packages(install: [], upgrade: [(name, version)], remove: [], allowDowngrades: false, lockTimeout: lockTimeout)
        case .removePackage(let name):
            return packages(install: [], remove: [name], allowDowngrades: false, lockTimeout: lockTimeout)
        case .upgradeRelease(let from, let to):
            return releaseUpgrade(from: from, to: to, lockTimeout: lockTimeout)
        case .holdPackage(let name, let hold):
            return packages(install: [], remove: [], allowDowngrades: false, hold: hold ? [name] : [], unhold: hold ? [] : [name])
        case .writeFile(let path, let bytes, let owner, let group, let mode):
            let data: Data
            let sha256: String
            var isSecret = false
            switch bytes {
            case .inline(let inline):
                data = inline
                sha256 = sha256Hex(inline)
            case .secret(let text, let digest, _):
                isSecret = true
                let value = try secrets.render(text, for: .file(path))
                guard secrets.key.verifies(digest, of: value) else {
                    throw .secret(.file(path), text.secrets[0].source, "changed since the plan was made")
                }
                data = value
                sha256 = sha256Hex(value)
            }
            let (directory, name) = split(path)
            var lines = [
                "converge_dest=\(shellQuote(path))",
                // mktemp makes it 0600 in the same directory, so the rename is atomic.
                "converge_tmp=$(mktemp \(shellQuote(directory + "/." + String(name.prefix(40)) + ".converge.XXXXXX")))",
                "trap 'rm -f \"$converge_tmp\"' EXIT",
                "base64 -d > \"$converge_tmp\" <<'CONVERGE_END_OF_BASE64'",
            ]
            // base64's alphabet has no `_`, so no line of it can end the here-document early.
            let encoded = data.base64EncodedString(options: [.lineLength76Characters, .endLineWithLineFeed])
            if !encoded.isEmpty { lines.append(encoded) }
            lines += [
                "CONVERGE_END_OF_BASE64",
                // One sha256sum when the content is right; the sum is worked out for the message only when not.
                "if ! sha256sum < \"$converge_tmp\" | grep -q '^\(sha256) '; then",
                "\techo \"converge: content arrived damaged: sha256 $(sha256sum < \"$converge_tmp\" | cut -c1-64), want \(sha256)\" >&2; exit 1",
                "fi",
            ]
            if let spec = ownerSpec(owner, group) { lines.append("chown \(shellQuote(spec)) \"$converge_tmp\"") }
            lines += [
                "chmod \(octal(mode)) \"$converge_tmp\"",
                "mv -f \"$converge_tmp\" \"$converge_dest\"",
                "trap - EXIT",
            ]
            if isSecret {
                // For drift sweeps on any controller: what was written, kept where only root reads.
                lines.append(SecretDigestRecord.command(for: path, sha256: sha256))
            }
            return lines.joined(separator: "\n")
        case .recordSecretDigest(let path):
            return SecretDigestRecord.command(for: path, sha256: nil)
        case .setAttributes(let path, let owner, let group, let mode):
            var lines: [String] = []
            if let spec = ownerSpec(owner, group) { lines.append("chown -h \(shellQuote(spec)) -- \(shellQuote(path))") }
            if let mode { lines.append("chmod \(octal(mode)) -- \(shellQuote(path))") }
            return lines.isEmpty ? ":" : lines.joined(separator: "\n")
        case .makeDirectory(let path, let owner, let group, let mode):
            var lines = ["mkdir -p -- \(shellQuote(path))"]
            if let spec = ownerSpec(owner, group) { lines.append("chown \(shellQuote(spec)) -- \(shellQuote(path))") }
            if let mode { lines.append("chmod \(octal(mode)) -- \(shellQuote(path))") }
            return lines.joined(separator: "\n")
        case .makeSymlink(let path, let target):
            let (directory, name) = split(path)
            // ln to a temporary name, then rename over the path: never a moment without a link.
            return """
                converge_tmp=\(shellQuote(directory + "/." + String(name.prefix(40)) + ".converge-link"))$$
                rm -f "$converge_tmp"
                ln -s -- \(shellQuote(target)) "$converge_tmp"
                mv -f -T "$converge_tmp" \(shellQuote(path))
                """
        case .removePath(let path, let recursive):
            return "rm -f\(recursive ? "r" : "") -- \(shellQuote(path))"
        case .createUser(let name, let uid, let group, let groups, let home, let shell, let system):
            var words = ["useradd"]
            if let uid { words += ["-u", String(uid)] }
            if let group { words += ["-g", shellQuote(group)] }
            if !groups.isEmpty { words += ["-G", shellQuote(groups.joined(separator: ","))] }
            if let home { words += ["-d", shellQuote(home)] }
            if !system || home != nil { words.append("-m") }
            if let shell { words += ["-s", shellQuote(shell)] }
            if system { words.append("-r") }
            return (words + ["--", shellQuote(name)]).joined(separator: " ")
        case .modifyUser(let name, let uid, let group, let addGroups, let home, let shell):
            var words = ["usermod"]
            if let uid { words += ["-u", String(uid)] }
            if let group { words += ["-g", shellQuote(group)] }
            if !addGroups.isEmpty { words += ["-a", "-G", shellQuote(addGroups.joined(separator: ","))] }
            if let home { words += ["-d", shellQuote(home), "-m"] }
            if let shell { words += ["-s", shellQuote(shell)] }
            return (words + ["--", shellQuote(name)]).joined(separator: " ")
        case .removeUser(let name):
            return "userdel -- \(shellQuote(name))"
        case .createGroup(let name, let gid, let system):
            var words = ["groupadd"]
            if let gid { words += ["-g", String(gid)] }
            if system { words.append("-r") }
            return (words + ["--", shellQuote(name)]).joined(separator: " ")
        case .modifyGroup(let name, let gid):
            return "groupmod -g \(gid) -- \(shellQuote(name))"
        case .removeGroup(let name):
            return "groupdel -- \(shellQuote(name))"
        case .systemctl(let unit, let verbs):
            var lines = verbs.map { "systemctl \(shellQuote($0)) \(shellQuote(unit))" }
            if verbs.contains(where: { ["restart", "reload", "start", "stop"].contains($0) }) {
                lines.append("converge_restarted \(shellQuote(unit))")
            }
            return lines.joined(separator: "\n")
        case .reloadSystemd:
            return "systemctl daemon-reload"
        case .shell(let script):
            return script
        case .reboot:
            // The reboot itself comes once the apply script has ended (ApplyScript's
            // converge_reboot); this step checks that it can come, and flushes the disks.
            return """
                if ! command -v systemctl >/dev/null 2>&1; then echo "converge: cannot reboot: no systemctl (converge reboots hosts with systemd)"; exit 1; fi
                sync
                """
        case .ensureService(let unit, let running, let enabled, let refresh):
            func word(_ value: Bool?) -> String { value.map { $0 ? "yes" : "no" } ?? "-" }
            return "converge_service \(shellQuote(unit)) \(word(running)) \(word(enabled)) \(refresh.map(shellQuote) ?? "-")"
        case .runCommand(let command, let creates, let unless, let retries, let delay):
            var lines: [String] = []
            // Checked again here: the guard may have come to hold since the plan was made.
            if let creates {
                let quoted = shellQuote(creates)
                lines.append("if [ -e \(quoted) ] || [ -L \(quoted) ]; then echo 'converge: creates path exists; not run'; exit 0; fi")
            }
            if let unless {
                lines.append("if sh -c \(shellQuote(unless)) </dev/null >/dev/null 2>&1; then echo 'converge: unless holds; not run'; exit 0; fi")
            }
            lines.append(retrying("sh -c \(shellQuote(command))", retries: retries, delay: delay))
            return lines.joined(separator: "\n")
        }
    }

    /// `command` (one shell command line), tried `retries` more times `delay` seconds apart
    /// while it fails; the script exits with its last status when every try failed.
    public static func retrying(_ command: String, retries: Int, delay: Int) -> String {
        guard retries > 0 else { return command }
        return [
            "converge_try=0",
            "while :; do",
            "\tconverge_s=0",
            "\t\(command) || converge_s=$?",
            "\tif [ \"$converge_s\" -eq 0 ]; then break; fi",
            "\tconverge_try=$((converge_try + 1))",
            "\tif [ \"$converge_try\" -gt \(retries) ]; then exit \"$converge_s\"; fi",
            "\techo \"converge: exited $converge_s; try $((converge_try + 1)) of \(retries + 1) in \(delay) s\"",
            "\tsleep \(delay)",
            "done",
        ].joined(separator: "\n")
    }

    /// `owner:group`, `owner` or `:group` for chown; nil when neither is given.
    package static func ownerSpec(_ owner: String?, _ group: String?) -> String? {
        guard owner != nil || group != nil else { return nil }
        return (owner ?? "") + (group.map { ":" + $0 } ?? "")
    }

    /// The directory (without trailing slash; empty for `/`) and the name of an absolute path.
    package static func split(_ path: String) -> (directory: String, name: String) {
        guard let slash = path.lastIndex(of: "/") else { return ("", path) }
        return (String(path[..<slash]), String(path[path.index(after: slash)...]))
    }
}
