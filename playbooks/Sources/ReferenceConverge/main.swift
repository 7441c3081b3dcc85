// The `converge` binary of this repository: the command line with the reference playbooks.
import Converge
import Playbooks

await ConvergeCommand.main(playbook: .reference)
