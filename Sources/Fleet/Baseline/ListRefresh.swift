import Facts
import Foundation
import Resources
import Shell

/// apt's lists refreshed at the start of a host's converge when they are older than its
/// package baseline allows (``PackageUpgrades/maximumListAge``), before its facts are
/// gathered: the plan then works out the upgrades from the archive as it is now, the
/// exact versions it shows are the ones installed, and every host of a release that runs
/// at once sees the same archive. Only `apply` refreshes; `plan` leaves the host as it is
/// and plans the refresh instead.
enum ListRefresh {
    /// Refreshes the lists when they are missing or older than `maximumListAge` seconds
    /// (apt's update stamp, which converge and apt's daily job touch); prints `fresh` or
    /// `refreshed`. A lists lock held by another apt (apt's daily job, which a host just
    /// booted runs) is waited for, up to two minutes: apt-get update does not wait for it.
    /// Any other failure is tried three times, as the apply's own refresh is: a proxy that
    /// many hosts refresh through at once can fail one of them for a moment. An index that
    /// could not be fetched is a failure too, though apt-get exits 0 for it ("W: Failed to
    /// fetch", "Err:"): a host that planned without its security suite's lists would miss
    /// every security upgrade and differ from its group. Such a host is then planned with
    /// a refresh of its lists as its first step, and planned again after it.
    static func command(maximumListAge: Int) -> String {
        let stamp = shellQuote(AptListsFact.stampPath)
        return """
            if [ -f \(stamp) ] && [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' -print 2>/dev/null | head -n 1)" ] \\
            	&& [ $(( $(date +%s) - $(stat -c %Y \(stamp)) )) -le \(maximumListAge) ]; then echo fresh; exit 0; fi
            converge_out=$(mktemp) || exit 1
            trap 'rm -f "$converge_out"' EXIT
            converge_deadline=$(( $(date +%s) + 120 ))
            converge_try=1
            until timeout -k 10 300 apt-get -q -o DPkg::Lock::Timeout=120 update >"$converge_out" 2>&1 \\
            	&& ! grep -q -e '^Err' -e 'Failed to fetch' "$converge_out"; do
            	if grep -q -e 'Could not get lock' -e 'Unable to lock' "$converge_out" && [ "$(date +%s)" -lt "$converge_deadline" ]; then
            		sleep 2
            		continue
            	fi
            	if [ "$converge_try" -lt 3 ]; then
            		converge_try=$((converge_try + 1))
            		sleep 3
            		continue
            	fi
            	cat "$converge_out" >&2
            	exit 1
            done
            mkdir -p /var/lib/apt/periodic && touch \(stamp) && echo refreshed
            """
    }

    /// Runs ``command(maximumListAge:)`` on `connection`: nil when the lists were fresh or
    /// are now, else why they could not be refreshed (the plan then refreshes them as a step).
    static func refresh(on connection: any HostConnection, maximumListAge: Int) async -> String? {
        do {
            let result = try await connection.run(command(maximumListAge: maximumListAge), input: Data(), timeout: .seconds(330))
            if result.exitStatus == 0 { return nil }
            let cause = String(decoding: result.stderr, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            return "apt-get update failed (exit status \(result.exitStatus))" + (cause.isEmpty ? "" : ": \(cause)")
        } catch {
            return "apt-get update failed: \(error)"
        }
    }
}
