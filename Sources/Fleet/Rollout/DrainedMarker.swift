import Facts
import Resources
import Shell

/// What a drained host remembers of it: a file naming the drains converge made, written on
/// the host when it is drained and removed when it is put back. A rollout that stopped with
/// the host still drained (it failed its health checks) leaves it there, so that the next
/// converge, on any controller, checks the host and puts it back once it is healthy.
enum DrainedMarker {
    static let path = "/var/lib/converge/drained"

    /// The fact: the drains named in the file, none when there is no file.
    struct Fact: Facts.Fact {
        var name: String { "DrainedMarker" }
        // `test` is the shell's own: a host with no file (nearly all) costs no program run.
        var command: String { "if [ -e \(DrainedMarker.path) ]; then cat \(DrainedMarker.path); fi" }
        func parse(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
    }

    /// Writes the file naming `drains` (replaced whole, never left half written).
    static func writeCommand(_ drains: [Drain]) -> String {
        let lines = drains.map { shellQuote($0.description) }.joined(separator: " ")
        return "mkdir -p /var/lib/converge && printf '%s\\n' \(lines) > \(path).new && mv -f \(path).new \(path)"
    }

    static let removeCommand = "rm -f \(path)"
}
