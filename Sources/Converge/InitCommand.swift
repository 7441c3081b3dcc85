import ArgumentParser
import Foundation

/// `converge init`: a new playbooks package for a fleet, depending on converge.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Write a new playbooks package: the fleet's roles, its own converge binary, tests.",
        discussion: """
            The package depends on converge (--converge-url with --from, or --converge-path), so a \
            team keeps its roles in its own repository and upgrades converge with \
            `swift package update`, never merging.
            """
    )

    @Argument(help: "The directory to create (it must not exist or be empty).")
    var directory: String

    @Option(help: "The package name (default: the directory's name).")
    var name: String?

    @Option(name: .customLong("converge-url"), help: ArgumentHelp("converge's git URL.", valueName: "url"))
    var convergeURL: String?

    @Option(help: ArgumentHelp("With --converge-url: the lowest converge version to accept.", valueName: "version"))
    var from: String?

    @Option(name: .customLong("converge-path"), help: ArgumentHelp("A local checkout of converge.", valueName: "path"))
    var convergePath: String?

    func validate() throws {
        switch (convergeURL, convergePath) {
        case (nil, nil): throw ValidationError("say where converge comes from: --converge-url URL --from VERSION, or --converge-path PATH")
        case (.some, .some): throw ValidationError("--converge-url and --converge-path exclude each other")
        case (.some, nil) where from == nil: throw ValidationError("--converge-url needs --from VERSION (e.g. --from 1.0.0)")
        case (nil, .some) where from != nil: throw ValidationError("--from goes with --converge-url only")
        default: break
        }
    }

    func run() throws {
        let dependency: PlaybooksPackageTemplate.Dependency
        if let convergeURL, let from {
            dependency = .url(convergeURL, from: from)
        } else {
            // An absolute path: the package must build from wherever it is moved to on this machine.
            dependency = .path(URL(fileURLWithPath: convergePath!).standardizedFileURL.path)
        }
        let packageName = name ?? URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        let template = PlaybooksPackageTemplate(name: packageName, dependency: dependency)
        try template.write(to: directory)
        for file in template.files { print("wrote \(directory)/\(file.path)") }
        print("""

            next:
              cd \(directory)
              swift build -c release --product converge
              .build/release/converge plan inventory/example.json
            """)
    }
}
