import Foundation
import PackagePlugin

/// Records the git commit converge is built from, for `converge --version`: before every
/// build it writes `SourceCommit.swift` (`sourceCommit`, `sourceModified`) into the target.
///
/// The commit is that of converge's own checkout: this repository, the local checkout a
/// playbooks package names with `.package(path:)`, or the clone SwiftPM makes of a
/// `.package(url:)` dependency. Where converge's directory is no git checkout of its own
/// (an archive, a copy inside another repository) or git is missing, it is nil, and
/// `--version` says the commit is unknown.
@main
struct SourceCommit: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) async throws -> [Command] {
        let outputDirectory = context.pluginWorkDirectoryURL.appending(path: "generated")
        return [
            // A prebuild command runs on every build, so a new commit or edit is always seen;
            // the script rewrites the file only when its content changes, so an unchanged
            // checkout recompiles nothing.
            .prebuildCommand(
                displayName: "Recording the git commit of converge",
                executable: URL(fileURLWithPath: "/bin/sh"),
                arguments: [
                    "-c", Self.script, "source-commit",
                    context.package.directoryURL.path(percentEncoded: false),
                    outputDirectory.appending(path: "SourceCommit.swift").path(percentEncoded: false),
                ],
                outputFilesDirectory: outputDirectory),
        ]
    }

    /// `sh -c SCRIPT source-commit PACKAGE_DIRECTORY OUTPUT_FILE`.
    static let script = #"""
        set -u
        PATH=${PATH:-/usr/local/bin:/usr/bin:/bin}
        directory=$1 output=$2
        commit= modified=false
        # Only the package's own checkout: a copy of converge inside another repository
        # would otherwise report that repository's commit.
        if top=$(git -C "$directory" rev-parse --show-toplevel 2>/dev/null) &&
            [ "$(cd "$top" && pwd -P)" = "$(cd "$directory" && pwd -P)" ]; then
            commit=$(git -C "$directory" rev-parse --verify -q HEAD 2>/dev/null) || commit=
            # GIT_OPTIONAL_LOCKS=0: status must not rewrite the index during someone's build.
            if [ -n "$commit" ] && [ -n "$(GIT_OPTIONAL_LOCKS=0 git -C "$directory" status --porcelain --untracked-files=no 2>/dev/null)" ]; then
                modified=true
            fi
        fi
        case $commit in
        *[!0-9a-f]* | '') value=nil ;;
        *) value="\"$commit\"" ;;
        esac
        content="// Written by the SourceCommit plugin before each build: the git commit converge is built from.
        let sourceCommit: String? = $value
        let sourceModified = $modified"
        mkdir -p "$(dirname "$output")"
        if [ ! -f "$output" ] || [ "$(cat "$output")" != "$content" ]; then
            printf '%s\n' "$content" > "$output.new" && mv "$output.new" "$output"
        fi
        """#
}
