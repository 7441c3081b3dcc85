import ArgumentParser

/// `converge completions SHELL`: the shell completion script of this converge.
struct CompletionsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "completions",
        abstract: "Print the shell completion script for bash, zsh or fish.",
        discussion: """
            Install it where the shell looks for completions, e.g. `converge completions bash > \
            /usr/local/share/bash-completion/completions/converge`, `converge completions zsh > \
            /usr/local/share/zsh/site-functions/_converge`, `converge completions fish > \
            /usr/local/share/fish/vendor_completions.d/converge.fish`. It is the script \
            `converge --generate-completion-script SHELL` prints: subcommands, options and \
            their values.
            """
    )

    /// The shells swift-argument-parser writes completion scripts for.
    enum TargetShell: String, CaseIterable, ExpressibleByArgument {
        case bash, zsh, fish

        var completionShell: CompletionShell {
            switch self {
            case .bash: .bash
            case .zsh: .zsh
            case .fish: .fish
            }
        }
    }

    @Argument(help: "The shell: bash, zsh or fish.")
    var shell: TargetShell

    func run() {
        let script = ConvergeCommand.completionScript(for: shell.completionShell)
        print(script, terminator: script.hasSuffix("\n") ? "" : "\n")
    }
}
