// converge-lab: the command line with the lab tests' roles (base, base-defaults, lab-app, and bench for benchmarks/peers.sh),
// which inventory/lab.json names. A test fixture: not part of what converge ships.
import Converge

await ConvergeCommand.main(playbook: Playbook([base, baseDefaults, labApp, bench, kernel, logins, aptRepository, debconfAnswers, scheduled, edits, mounts, rebooting, holds, healthChecked], name: "converge-lab", version: ConvergeBuild.version))
