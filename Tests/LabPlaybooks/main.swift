// converge-lab: the command line with the lab tests' roles (base, base-defaults, lab-app, and bench for benchmarks/peers.sh),
// which inventory/lab.json names. A test fixture: not part of what converge ships.
// No package baseline by default: each test looks at the changes of its own resources (the
// baseline's lab test sets the `upgrades` var).
import Converge

await ConvergeCommand.main(playbook: Playbook(
    [base, baseDefaults, labApp, bench, kernel, logins, aptRepository, debconfAnswers, scheduled, edits, mounts, rebooting, holds, healthChecked],
    name: "converge-lab", version: ConvergeBuild.version, upgrades: UpgradePolicies(default: .none)))
