import Shell
import Foundation
import Facts
import Resources

/// Settings of an ``ApplyScript``.
public struct ApplyOptions: Hashable, Sendable {
    /// The file `flock` locks so two converges of a host never interleave. In /run, which
    /// only root can write, so no one can plant a symlink there.
    public var lockPath: String
    /// Seconds to wait for another converge's lock before giving up.
    public var lockTimeout: Int
    /// Seconds to wait for dpkg's lock (held by another apt or unattended-upgrades).
    public var aptLockTimeout: Int
    /// Seconds between tries when an older apt (< 1.9.11) finds dpkg locked.
    public var aptRetryInterval: Int
    /// Seconds one step that runs a program (an install, a command) may take before it is
    /// stopped and the host's converge fails there: a hung command never holds a run
    /// forever. Steps that only write files have none (``HostOperation/onlyWritesFiles``).
    public var stepTimeout: Int

    public init(
        lockPath: String = "/run/converge.lock", lockTimeout: Int = 600, aptLockTimeout: Int = 300,
        aptRetryInterval: Int = 5, stepTimeout: Int = 1800
    ) {
        self.lockPath = lockPath
        self.lockTimeout = lockTimeout
        self.aptLockTimeout = aptLockTimeout
        self.aptRetryInterval = aptRetryInterval
        self.stepTimeout = stepTimeout
    }
}

/// The POSIX sh script that makes a host's planned changes, one step after another, and
/// reports each step on a line of its own.
///
/// Run it as root, directly (`sh -s` with the script on standard input) or through
/// `sudo -n sh -s`; every step reads /dev/null, never the script. It takes ``ApplyOptions/lockPath``
/// with `flock` first. A step is a change, or several package changes made in one
/// `apt-get install` transaction. Each step is written to a file and run by `sh -e` under
/// `timeout` (``ApplyOptions/stepTimeout``), its output captured; the first step that
/// fails or times out stops the run, and every later step is reported skipped. Status lines start with a random ``boundary``, and steps' own output
/// never reaches standard output (only hex-encoded inside a status line), so nothing a
/// step prints can forge a status.
///
/// A reboot (``HostOperation/reboot(pending:timeout:)``) ends a script: its step is the
/// script's last, and the reboot comes once the script has ended. The steps after it are
/// another script's (``init(plan:secrets:options:boundary:startingAt:)`` from the step
/// after it), run once the host is back.
///
/// The script holds the files' contents, secrets included, base64-encoded in
/// here-documents: send it on standard input, never as an argument, and do not log it.
public struct ApplyScript: Sendable {
    /// The marker that starts each status line.
    public let boundary: String
    /// The script.
    public let text: String
    /// The change indices (into the plan's changes) each step of the plan makes.
    public let steps: [[Int]]
    /// The steps this script runs: from its first to the plan's end, or to a reboot, its last.
    public let stepRange: Range<Int>
    /// Whether the script's last step reboots the host.
    public let endsInReboot: Bool
    /// The number of changes in the plan.
    public let changeCount: Int
    /// A file whose existence tells the running script to start no further step (the
    /// controller creates it on a first Ctrl-C); in /tmp, so the login user can make it.
    public let stopPath: String

    /// Makes the script for `plan`.
    ///
    /// - Parameters:
    ///   - secrets: The secret contents the plan writes (``SecretValues/init(resolving:environment:)-(HostPlan,_)``).
    ///   - boundary: For tests; random by default. 16 or more of `A-Z a-z 0-9 - _`.
    ///   - firstStep: The step to start at: 0, or the one after a reboot.
    /// - Throws: ``PlanError/secret(_:_:_:)`` when a secret is missing or has changed.
    public init(
        plan: HostPlan, secrets: SecretValues = SecretValues(), options: ApplyOptions = ApplyOptions(),
        boundary: String = "--converge-apply-\(UUID().uuidString.lowercased())--", startingAt firstStep: Int = 0
    ) throws(PlanError) {
        precondition(
            boundary.count >= 16
                && boundary.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
                },
            "an apply boundary needs 16 or more of A-Z a-z 0-9 - _")
        self.boundary = boundary
        self.changeCount = plan.changes.count
        // Its own random name: the stop path shows in a process listing when the controller
        // touches it, the boundary never does.
        self.stopPath = "/tmp/converge-stop-" + UUID().uuidString.lowercased()

        // Consecutive package changes become one apt transaction.
        var steps: [[Int]] = []
        for (index, change) in plan.changes.enumerated() {
            if change.operation.isPackageChange, let last = steps.last?.last,
                plan.changes[last].operation.isPackageChange
            {
                steps[steps.count - 1].append(index)
            } else {
                steps.append([index])
            }
        }
        self.steps = steps
        precondition((0...steps.count).contains(firstStep), "no step \(firstStep) in a plan of \(steps.count)")
        let reboot = steps[firstStep...].firstIndex { plan.changes[$0[0]].operation.isReboot }
        self.stepRange = firstStep..<(reboot.map { $0 + 1 } ?? steps.count)
        self.endsInReboot = reboot != nil

        let middle = boundary.index(boundary.startIndex, offsetBy: boundary.count / 2)
        var script = """
            # converge apply script for \(plan.host.filter { $0.isLetter || $0.isNumber || "-_.".contains($0) })
            umask 022
            LC_ALL=C
            export LC_ALL
            PATH="${PATH:-/usr/bin:/bin}:/usr/local/sbin:/usr/sbin:/sbin"
            export PATH
            DEBIAN_FRONTEND=noninteractive
            APT_LISTCHANGES_FRONTEND=none
            export DEBIAN_FRONTEND APT_LISTCHANGES_FRONTEND
            converge_b='\(boundary[..<middle])''\(boundary[middle...])'
            converge_hex() { od -An -v -tx1 | tr -d ' \\n'; }
            converge_abort() {
            \tprintf '%s abort %s\\n' "$converge_b" "$(printf '%s' "$1" | converge_hex)"
            \texit 1
            }
            converge_dir=$(mktemp -d) || converge_abort 'cannot create a temporary directory'
            export converge_dir
            converge_stop=\(shellQuote(stopPath))
            # A heartbeat while steps and locks keep the script quiet, so the controller can
            # tell a busy host from a gone one; it ends with the script (kill -0 fails).
            converge_main=$$
            # (Short sleeps: one outliving the script must not hold anything for long.)
            (
            \tconverge_beat=0
            \twhile kill -0 "$converge_main" 2>/dev/null; do
            \t\tsleep 1 >/dev/null
            \t\tconverge_beat=$((converge_beat + 1))
            \t\tif [ "$converge_beat" -ge 10 ]; then printf '%s alive\\n' "$converge_b"; converge_beat=0; fi
            \tdone
            ) </dev/null 2>/dev/null &
            converge_heartbeat=$!
            trap 'kill -9 "$converge_heartbeat" 2>/dev/null; rm -rf "$converge_dir"; rm -f "$converge_stop"' EXIT
            trap 'exit 129' HUP
            trap 'exit 130' INT
            trap 'exit 143' TERM
            converge_lock=\(shellQuote(options.lockPath))
            if ! (exec 9>>"$converge_lock") 2>/dev/null; then converge_abort "cannot open the lock file $converge_lock"; fi
            exec 9>>"$converge_lock"
            if ! flock -n 9 2>/dev/null; then
            \t# Another converge of this host is running: wait for it, and say so.
            \tconverge_waited=$(date +%s)
            \tif ! flock -w \(options.lockTimeout) 9 2>"$converge_dir/out"; then
            \t\tconverge_abort "another converge holds $converge_lock (waited \(options.lockTimeout) s): $(cat "$converge_dir/out")"
            \tfi
            \tprintf '%s waited %s\\n' "$converge_b" "$(( $(date +%s) - converge_waited ))"
            fi

            converge_failed=
            # Steps run with the lock's descriptor closed: a daemon a step starts itself (the
            # glusterfs process `mount` forks) would otherwise hold the lock for as long as it runs.
            # converge_run N: step N's file, with `set -e`, standard input from /dev/null,
            # its output captured, and at most the step timeout (timeout kills its whole
            # process group: apt and what it started too). converge_run N inline: the
            # function converge_step in a subshell, the same way but with no time limit.
            converge_run() {
            \tif [ -z "$converge_failed" ] && [ -e "$converge_stop" ]; then converge_failed=interrupted; fi
            \tif [ "$converge_failed" = interrupted ]; then
            \t\tprintf '%s step %s interrupted\\n' "$converge_b" "$1"
            \t\treturn 0
            \tfi
            \tif [ -n "$converge_failed" ]; then
            \t\tprintf '%s step %s skipped\\n' "$converge_b" "$1"
            \t\treturn 0
            \tfi
            \tif [ "${2:-}" = inline ]; then
            \t\t# Not in an && or || list, where `set -e` would be ignored in the subshell.
            \t\t( set -e; converge_step ) 9>&- </dev/null >"$converge_dir/out" 2>&1
            \t\tconverge_s=$?
            \telse
            \t\tconverge_s=0
            \t\ttimeout -k 10 \(options.stepTimeout) sh -e "$converge_dir/step-$1" 9>&- </dev/null >"$converge_dir/out" 2>&1 || converge_s=$?
            \tfi
            \tcase $converge_s in
            \t0)
            \t\t# Most steps print nothing: no subshell, grep or head for them.
            \t\tconverge_note=
            \t\tif [ -s "$converge_dir/out" ]; then converge_note=$(converge_notes); fi
            \t\tprintf '%s step %s ok%s\\n' "$converge_b" "$1" "$converge_note"
            \t\treturn 0 ;;
            \t124) echo "converge: the step timed out after \(options.stepTimeout) s and was stopped" >>"$converge_dir/out" ;;
            \t137) echo "converge: the step was killed (it outlived its \(options.stepTimeout) s, or the system killed it)" >>"$converge_dir/out" ;;
            \tesac
            \tconverge_failed=$1
            \tprintf '%s step %s failed %s %s\\n' "$converge_b" "$1" "$converge_s" \\
            \t\t"$(tail -c 65536 "$converge_dir/out" | converge_hex)"
            }
            # What a step that succeeded has to say all the same (that it waited for dpkg's lock,
            # the services it restarted because they ran a replaced library, what a release upgrade did),
            # as " HEX" to end its status line; nothing when it has nothing to say.
            converge_notes() {
            \tconverge_n=$(grep -e '^converge: waited ' -e '^converge: restarted ' -e '^converge: re-executed ' -e '^converge: now on ' -e '^converge: apt sources now ' -e '^converge: purged ' "$converge_dir/out" 2>/dev/null | head -n 8 || true)
            \tif [ -n "$converge_n" ]; then printf ' %s' "$(printf '%s' "$converge_n" | converge_hex)"; fi
            }
            # converge_reboot N MARK: step N (a reboot's checks), then the boot ID the
            # controller waits to see change, and the reboot: in a process of its own, once
            # this script has ended, so that the script's end reaches the controller first.
            # MARK, the reboot's pending notification, is cleared as it starts.
            converge_reboot() {
            \tconverge_run "$1"
            \tif [ -n "$converge_failed" ]; then return 0; fi
            \tprintf '%s reboot %s\n' "$converge_b" "$(cat /proc/sys/kernel/random/boot_id)"
            \t# shellcheck disable=SC2016 # expanded by the inner sh
            \tsetsid sh -c 'while kill -0 "$1" 2>/dev/null; do sleep 1; done; rm -f "$2"; systemctl reboot || : >"$2"' \\
            \t\tconverge-reboot "$converge_main" "\(ServiceState.pendingDirectory)/$2" 9>&- </dev/null >/dev/null 2>&1 &
            }

            """
        // Here-documents end at this line, which neither a step nor base64 text can hold.
        let delimiter = "CONVERGE_" + String(boundary.map { $0.isLetter || $0.isNumber ? $0 : "_" })
        script += "cat >\"$converge_dir/lib\" <<'\(delimiter)'\n\(Self.library(options))\(delimiter)\n"
        // Inline steps run in this shell's subshells, and use the library too.
        script += ". \"$converge_dir/lib\"\n\n"
        for number in stepRange {
            let step = steps[number]
            var body = try Self.commands(for: step.map { plan.changes[$0] }, secrets: secrets, options: options)
            let notified = step.flatMap { plan.changes[$0].notifies }
            if !notified.isEmpty {
                body += "\nconverge_pending " + notified.map(shellQuote).joined(separator: " ")
            }
            let names = step.map { plan.changes[$0].resource.description.filter { !$0.isNewline } }
            script += "# step \(number): \(names.joined(separator: ", "))\n"
            if case .reboot(let pending, _) = plan.changes[step[0]].operation {
                script += "cat >\"$converge_dir/step-\(number)\" <<'\(delimiter)'\n. \"$converge_dir/lib\"\n\(body)\n\(delimiter)\n"
                script += "converge_reboot \(number) \(shellQuote(pending))\n\n"
            } else if step.allSatisfy({ plan.changes[$0].operation.onlyWritesFiles }) {
                script += "converge_step() {\n\(body)\n}\nconverge_run \(number) inline\n\n"
            } else {
                script += "cat >\"$converge_dir/step-\(number)\" <<'\(delimiter)'\n. \"$converge_dir/lib\"\n\(body)\n\(delimiter)\n"
                script += "converge_run \(number)\n\n"
            }
        }
        script += "printf '%s done\\n' \"$converge_b\"\n"
        self.text = script
    }

    /// The shell functions every step may use, written to `$converge_dir/lib` and sourced
    /// by each step.
    static func library(_ options: ApplyOptions) -> String {
        """
            # shellcheck shell=dash disable=SC2154 # converge_dir is the apply script's
            # apt-get, retried while dpkg's lock is held, for apt older than 1.9.11
            # (which has no DPkg::Lock::Timeout), up to the timeout.
            converge_apt() {
            \t# A converge cut off mid-install (power, network) leaves dpkg half done.
            \tif [ -n "$(ls -A /var/lib/dpkg/updates 2>/dev/null)" ]; then
            \t\techo "converge: dpkg was interrupted earlier; running dpkg --configure -a"
            \t\tdpkg --configure -a --force-confdef --force-confold
            \tfi
            \tconverge_deadline=$(( $(date +%s) + \(options.aptLockTimeout) ))
            \tconverge_apt_waited=0
            \tconverge_apt_holder=
            \twhile :; do
            \t\tconverge_apt_status=0
            \t\tapt-get "$@" >"$converge_dir/apt" 2>&1 || converge_apt_status=$?
            \t\tcat "$converge_dir/apt"
            \t\t# apt >= 1.9.11 waits for the lock itself, saying so (and who holds it) once a second.
            \t\tconverge_apt_waited=$((converge_apt_waited + $(grep -c '^Waiting for cache lock' "$converge_dir/apt" || true)))
            \t\tif [ -z "$converge_apt_holder" ]; then
            \t\t\tconverge_apt_holder=$(sed -n 's/.*It is held by \\(process [0-9]* ([^)]*)\\).*/\\1/p' "$converge_dir/apt" | head -n 1)
            \t\tfi
            \t\tif [ "$converge_apt_status" -eq 0 ]; then converge_apt_say_waited; return 0; fi
            \t\tif grep -q -e 'Could not get lock' -e 'Unable to lock' -e 'Unable to acquire the dpkg frontend lock' "$converge_dir/apt" \\
            \t\t\t&& [ "$(date +%s)" -lt "$converge_deadline" ]; then
            \t\t\techo "converge: dpkg is locked; trying again in \(options.aptRetryInterval) s"
            \t\t\tsleep \(options.aptRetryInterval)
            \t\t\tconverge_apt_waited=$((converge_apt_waited + \(options.aptRetryInterval)))
            \t\t\tcontinue
            \t\tfi
            \t\tconverge_apt_say_waited
            \t\treturn "$converge_apt_status"
            \tdone
            }
            # How long apt waited for dpkg's lock (another apt, unattended-upgrades), if it did.
            converge_apt_say_waited() {
            \tif [ "$converge_apt_waited" -gt 0 ]; then
            \t\techo "converge: waited $converge_apt_waited s for dpkg's lock${converge_apt_holder:+, held by $converge_apt_holder}"
            \tfi
            }

            # converge_select WANT NAME...: dpkg's selection of each package (hold, or install
            # to release a hold), waiting for dpkg's lock as converge_apt does; checked after.
            converge_select() {
            \tconverge_want=$1
            \tshift
            \tconverge_deadline=$(( $(date +%s) + \(options.aptLockTimeout) ))
            \tuntil for converge_p in "$@"; do printf '%s %s\\n' "$converge_p" "$converge_want"; done \\
            \t\t| dpkg --set-selections >"$converge_dir/select" 2>&1; do
            \t\tif ! grep -q -i 'lock' "$converge_dir/select" || [ "$(date +%s)" -ge "$converge_deadline" ]; then
            \t\t\tcat "$converge_dir/select"
            \t\t\treturn 1
            \t\tfi
            \t\techo "converge: dpkg is locked; trying again in \(options.aptRetryInterval) s"
            \t\tsleep \(options.aptRetryInterval)
            \tdone
            \tfor converge_p in "$@"; do
            \t\tconverge_s=$(dpkg-query -W -f '${Status}' "$converge_p" 2>/dev/null || true)
            \t\tif [ "${converge_s%% *}" != "$converge_want" ]; then
            \t\t\tcat "$converge_dir/select"
            \t\t\techo "converge: dpkg did not take $converge_p's selection $converge_want (its status: ${converge_s:-not known to dpkg})"
            \t\t\treturn 1
            \t\tfi
            \tdone
            }
            # converge_old_apt: whether apt is older than 1.1 (jessie's 1.0), which knows neither
            # allow-downgrades nor allow-change-held-packages: force-yes is its only way.
            converge_old_apt() {
            \t! dpkg --compare-versions "$(dpkg-query -W -f '${Version}' apt 2>/dev/null)" ge 1.1~
            }
            # converge_allow_held NAME...: when one of the packages is held now, the apt option
            # that lets the install change it: allow-change-held-packages (apt >= 1.1); jessie's
            # apt 1.0 knows only force-yes. None otherwise.
            # shellcheck disable=SC2034 # converge_held_option is read by the step's apt-get line
            converge_allow_held() {
            \tconverge_held_option=
            \tfor converge_p in "$@"; do
            \t\tconverge_s=$(dpkg-query -W -f '${Status}' "$converge_p" 2>/dev/null || true)
            \t\tif [ "${converge_s%% *}" = hold ]; then
            \t\t\tif converge_old_apt; then
            \t\t\t\tconverge_held_option=APT::Get::force-yes=true
            \t\t\telse
            \t\t\t\tconverge_held_option=APT::Get::allow-change-held-packages=true
            \t\t\tfi
            \t\tfi
            \tdone
            }

            # converge_service UNIT RUNNING ENABLED REFRESH (yes, no or -; restart, reload or -):
            # the unit brought to that state from whatever state it is in when the step runs
            # (masked, failed, stopped, disabled, started by its package's postinst, which
            # REFRESH then restarts or reloads).
            converge_service() {
            \tconverge_u=$1
            \tconverge_unit_state
            \tif [ "$2" = yes ] || [ "$3" = yes ]; then
            \t\tif [ "$converge_load" = masked ] || [ "${converge_en#masked}" != "$converge_en" ]; then
            \t\t\techo "converge: $converge_u is masked; unmasking it"
            \t\t\tsystemctl unmask "$converge_u"
            \t\t\tsystemctl --runtime unmask "$converge_u" 2>/dev/null || true
            \t\t\tconverge_unit_state
            \t\tfi
            \t\tif [ "$converge_load" = not-found ] || [ -z "$converge_load" ]; then
            \t\t\techo "converge: $converge_u does not exist: no unit file (is its package installed?)"
            \t\t\treturn 1
            \t\tfi
            \tfi
            \tif [ "$converge_load" = not-found ] || [ -z "$converge_load" ]; then return 0; fi
            \tcase "$3:$converge_en" in
            \tyes:enabled | yes:enabled-runtime | yes:static | yes:indirect | yes:generated | yes:alias | yes:transient) ;;
            \tyes:*) systemctl enable "$converge_u" ;;
            \tno:enabled | no:enabled-runtime) systemctl disable "$converge_u" ;;
            \tesac
            \tcase "$2" in
            \tyes)
            \t\tif ! systemctl is-active --quiet "$converge_u"; then
            \t\t\tsystemctl reset-failed "$converge_u" 2>/dev/null || true
            \t\t\tsystemctl start "$converge_u"
            \t\telif [ "$4" != - ]; then
            \t\t\tsystemctl "$4" "$converge_u"
            \t\tfi
            \t\tconverge_restarted "$converge_u"
            \t\tif ! systemctl is-active --quiet "$converge_u"; then
            \t\t\t# shellcheck disable=SC2046 # systemd's properties, on one line
            \t\t\techo "converge: $converge_u is not running after start:" $(systemctl show -p ActiveState -p SubState -p Result -p ConditionResult "$converge_u" 2>/dev/null)
            \t\t\tjournalctl -u "$converge_u" -n 10 --no-pager 2>/dev/null || true
            \t\t\treturn 1
            \t\tfi
            \t\t;;
            \tno)
            \t\tif systemctl is-active --quiet "$converge_u"; then systemctl stop "$converge_u"; fi
            \t\tconverge_restarted "$converge_u"
            \t\t;;
            \tesac
            }
            # A unit to restart once what notifies it has changed: marked at once, so that
            # a run cut off before the restart leaves the next run something to finish.
            converge_pending() {
            \tmkdir -p \(ServiceState.pendingDirectory)
            \tfor converge_u in "$@"; do : >"\(ServiceState.pendingDirectory)/$converge_u"; done
            }
            converge_restarted() {
            \trm -f "\(ServiceState.pendingDirectory)/$1"
            }
            converge_unit_state() {
            \tconverge_load=$(systemctl show -p LoadState "$converge_u" 2>/dev/null)
            \tconverge_load=${converge_load#LoadState=}
            \tconverge_en=$(systemctl is-enabled "$converge_u" 2>/dev/null | head -n 1)
            }

            """
    }

    private static func commands(for changes: [Change], secrets: SecretValues, options: ApplyOptions) throws(PlanError) -> String {
        guard changes.count > 1 || changes.first?.operation.isPackageChange == true else {
            return try ShellCommands.commands(
                for: changes[0].operation, secrets: secrets, lockTimeout: options.aptLockTimeout)
        }
        var install: [(name: String, version: String?)] = []
        var upgrade: [(name: String, version: String?)] = []
        var remove: [String] = []
        var hold: [String] = []
        var unhold: [String] = []
        var downgrades = false
        for change in changes {
            switch change.operation {
            case .installPackage(let name, let version, let allowDowngrade):
                install.append((name, version))
                downgrades = downgrades || allowDowngrade
            case .upgradePackage(let name, let version):
                upgrade.append((name, version))
            case .removePackage(let name):
                remove.append(name)
            case .holdPackage(let name, let wanted):
                if wanted { hold.append(name) } else { unhold.append(name) }
            default:
                break
            }
        }
        return ShellCommands.packages(
            install: install, upgrade: upgrade, remove: remove, allowDowngrades: downgrades, hold: hold, unhold: unhold,
            lockTimeout: options.aptLockTimeout)
    }

    /// Reads the script's standard output: what became of each change.
    ///
    /// Text that is not a status line of this script (a login banner, a lost
    /// connection's partial line) is ignored.
    public func results(from output: String) -> ApplyResult {
        var reader = Reader(self)
        reader.read(Data(output.utf8))
        return reader.finish()
    }

    /// Reads the script's standard output piece by piece while it runs, so that each step
    /// can be reported as soon as the host reports it.
    ///
    /// ```swift
    /// var reader = ApplyScript.Reader(script)
    /// for step in reader.read(chunk) { print(reader.result.outcomes[script.steps[step][0]]) }
    /// let result = reader.finish()
    /// ```
    public struct Reader: Sendable {
        private let steps: [[Int]]
        private let end: Int
        private let endsInReboot: Bool
        private let prefix: [UInt8]
        /// What the script reported so far.
        public private(set) var result: ApplyResult
        private var next: Int
        private let changes: Set<Int>
        private var partialLine: [UInt8] = []

        public init(_ script: ApplyScript) {
            steps = script.steps
            next = script.stepRange.lowerBound
            end = script.stepRange.upperBound
            endsInReboot = script.endsInReboot
            prefix = Array((script.boundary + " ").utf8)
            result = ApplyResult(outcomes: Array(repeating: .unknown, count: script.changeCount),
                                 abortMessage: nil, isComplete: false)
            // An abort skips this script's changes; those of other scripts stay unknown.
            changes = Set(script.steps[script.stepRange].joined())
        }

        /// Reads more output; returns the steps (indices into ``ApplyScript/steps``) it
        /// reported, in order. A line cut between two pieces is read once whole.
        @discardableResult
        public mutating func read(_ output: Data) -> [Int] {
            var reported: [Int] = []
            for byte in output {
                if byte == UInt8(ascii: "\n") {
                    if let step = readLine(partialLine) { reported.append(step) }
                    partialLine.removeAll(keepingCapacity: true)
                } else {
                    partialLine.append(byte)
                }
            }
            return reported
        }

        /// The result, once the output has ended (a last line without its newline included).
        public mutating func finish() -> ApplyResult {
            if !partialLine.isEmpty {
                readLine(partialLine)
                partialLine = []
            }
            return result
        }

        /// Reads one status line; returns the step it reported, if it reported one.
        @discardableResult
        private mutating func readLine(_ bytes: [UInt8]) -> Int? {
            guard bytes.starts(with: prefix) else { return nil }
            let line = String(decoding: bytes.dropFirst(prefix.count), as: UTF8.self)
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            switch words.first {
            case "abort" where words.count <= 2:
                result.abortMessage = decodeHexText(words.count == 2 ? words[1] : "")
                for index in changes { result.outcomes[index] = .skipped }
            case "done" where words.count == 1:
                result.isComplete = next == end
            case "reboot" where words.count == 2 && endsInReboot && next == end && result.outcomes[steps[end - 1][0]] == .succeeded:
                let id = String(words[1])
                if !id.isEmpty, id.allSatisfy({ $0.isHexDigit || $0 == "-" }) { result.rebootBootID = id }
            case "waited" where words.count == 2:
                result.lockWait = Int(words[1])
            case "step" where words.count >= 3 && words[1] == "\(next)" && next < end:
                let outcome: ApplyResult.Outcome
                switch (words[2], words.count) {
                case ("ok", 3): outcome = .succeeded
                case ("ok", 4):
                    outcome = .succeeded
                    let note = decodeHexText(words[3]).split(separator: "\n")
                        .map { $0.hasPrefix("converge: ") ? $0.dropFirst("converge: ".count) : $0 }
                        .joined(separator: "; ")
                    if !note.isEmpty { result.notes[steps[next][0]] = note }
                case ("skipped", 3): outcome = .skipped
                case ("interrupted", 3): outcome = .interrupted
                case ("failed", 4), ("failed", 5):
                    guard let status = Int32(words[3]) else { return nil }
                    outcome = .failed(exitStatus: status, output: decodeHexText(words.count == 5 ? words[4] : ""))
                default: return nil
                }
                for index in steps[next] { result.outcomes[index] = outcome }
                next += 1
                return next - 1
            default:
                break
            }
            return nil
        }
    }
}

/// What an apply script did.
public struct ApplyResult: Equatable, Sendable {
    /// What became of one change.
    public enum Outcome: Equatable, Sendable {
        case succeeded
        /// Its step failed with this exit status and output (its last 64 KiB, stdout and
        /// stderr together).
        case failed(exitStatus: Int32, output: String)
        /// Not run: an earlier change failed, or the script could not start.
        case skipped
        /// Not run: the run was interrupted (Ctrl-C) before this step started.
        case interrupted
        /// No report: the script's output ended before it, e.g. the connection died.
        case unknown
    }

    /// How the script's process ended, when it did not end well or did not report every
    /// step: its exit status, the signal that killed it, the end of its standard error.
    public struct Exit: Equatable, Sendable {
        public var status: Int32
        public var signal: String?
        public var stderr: String

        public init(status: Int32, signal: String?, stderr: String) {
            self.status = status
            self.signal = signal
            self.stderr = stderr
        }

        /// `exited with status 1`, `was killed by signal KILL`.
        public var description: String {
            signal.map { "was killed by signal \($0)" } ?? "exited with status \(status)"
        }
    }

    /// One per change of the plan, in order.
    public var outcomes: [Outcome]
    /// Why the script stopped before its first step (e.g. the host lock is held).
    public var abortMessage: String?
    /// Whether the script reported every step and reached its end.
    public var isComplete: Bool
    /// How the script's process ended, when badly or before its end; see ``Exit``.
    public var exit: Exit?
    /// Seconds the script waited for another converge of the host to finish, if it had to.
    public var lockWait: Int?
    /// What a step that succeeded said all the same, by the index of its first change:
    /// `waited 12 s for dpkg's lock, held by process 4242 (unattended-upgr)`.
    public var notes: [Int: String] = [:]
    /// The boot ID the host had when the script's last step, a reboot, succeeded: the
    /// reboot follows the script's end, and the host is back once its boot ID differs.
    public var rebootBootID: String?

    public init(outcomes: [Outcome], abortMessage: String?, isComplete: Bool, exit: Exit? = nil) {
        self.outcomes = outcomes
        self.abortMessage = abortMessage
        self.isComplete = isComplete
        self.exit = exit
    }

    /// Whether the run was interrupted before some of its steps.
    public var wasInterrupted: Bool { outcomes.contains(.interrupted) }

    /// Whether every change succeeded.
    public var succeeded: Bool { isComplete && exit == nil && outcomes.allSatisfy { $0 == .succeeded } }

    /// The index of the first failed change.
    public var firstFailure: Int? {
        outcomes.firstIndex { if case .failed = $0 { true } else { false } }
    }
}

extension ApplyResult {
    /// Takes in what `script`, one of the scripts of this result's plan, reported: the
    /// outcomes and notes of its changes, and how it ended. Complete once the script that
    /// ends the plan is.
    public mutating func merge(_ reported: ApplyResult, of script: ApplyScript) {
        for index in script.steps[script.stepRange].joined() {
            outcomes[index] = reported.outcomes[index]
            if let note = reported.notes[index] { notes[index] = note }
        }
        abortMessage = reported.abortMessage ?? abortMessage
        exit = reported.exit
        lockWait = reported.lockWait ?? lockWait
        rebootBootID = reported.rebootBootID
        isComplete = reported.isComplete && script.stepRange.upperBound == script.steps.count
    }
}

/// The UTF-8 text of hex digits; invalid UTF-8 is replaced, invalid hex gives "".
private func decodeHexText(_ hex: Substring) -> String {
    var bytes: [UInt8] = []
    var iterator = hex.utf8.makeIterator()
    while let high = iterator.next(), let low = iterator.next() {
        guard let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) else { return "" }
        bytes.append(value)
    }
    return String(decoding: bytes, as: UTF8.self)
}
