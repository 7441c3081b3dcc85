import Foundation
import PackagePlugin

/// Embeds `scripts/lab` in the `Lab` module as `labScriptText`, so that `converge lab`, in
/// the binary any playbooks package builds, runs the very script converge's own tests and
/// benchmarks boot their labs with: one implementation, and no checkout needed to use it.
@main
struct EmbeddedLabScript: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let script = context.package.directoryURL.appending(path: "scripts/lab")
        let output = context.pluginWorkDirectoryURL.appending(path: "generated/LabScriptText.swift")
        return [
            // A build command: run again only when the script changes.
            .buildCommand(
                displayName: "Embedding scripts/lab",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    "-c", Self.script, "embed-lab-script",
                    script.path(percentEncoded: false), output.path(percentEncoded: false),
                ],
                inputFiles: [script],
                outputFiles: [output]),
        ]
    }

    /// `sh -c SCRIPT embed-lab-script INPUT OUTPUT`: the script as a raw multi-line string
    /// literal (its backslashes and quotes kept as they are).
    static let script = #"""
        set -eu
        input=$1 output=$2
        mkdir -p "$(dirname "$output")"
        quotes='"""' marks='######'
        if grep -qF "$quotes$marks" "$input"; then
            echo "error: $input contains the string literal's delimiter" >&2
            exit 1
        fi
        {
            printf '// Written by the EmbeddedLabScript plugin: scripts/lab, as the build found it.\n'
            printf 'let labScriptText = %s%s\n' "$marks" "$quotes"
            cat "$input"
            printf '%s%s\n' "$quotes" "$marks"
        } > "$output.new"
        mv "$output.new" "$output"
        """#
}
