/// The host's architecture, in Debian's terms where dpkg is there to say.
public struct Architecture: Codable, Equatable, Sendable {
    /// The Debian architecture, e.g. `amd64`: `dpkg --print-architecture`, else
    /// `uname -m` translated where the translation is known, else `uname -m` itself.
    public var name: String
    /// `uname -m`, e.g. `x86_64`.
    public var machine: String
    /// Foreign architectures enabled for multi-arch (`dpkg --add-architecture`), e.g. `i386`.
    public var foreignArchitectures: [String]

    public init(name: String, machine: String, foreignArchitectures: [String] = []) {
        self.name = name
        self.machine = machine
        self.foreignArchitectures = foreignArchitectures
    }

    /// Debian's names for common `uname -m` machines, for hosts without dpkg.
    static let debianNames = [
        "x86_64": "amd64", "i386": "i386", "i486": "i386", "i586": "i386", "i686": "i386",
        "aarch64": "arm64", "armv7l": "armhf", "ppc64le": "ppc64el", "s390x": "s390x",
        "riscv64": "riscv64", "loongarch64": "loong64",
    ]
}

/// The host's ``Architecture``.
public struct ArchitectureFact: Fact {
    public init() {}

    public var command: String {
        """
        printf 'machine %s\\n' "$(uname -m)"
        if command -v dpkg >/dev/null 2>&1; then
        \tprintf 'dpkg %s\\n' "$(dpkg --print-architecture)"
        \t# The foreign architectures are those dpkg lists besides its own (the file exists
        \t# once one was added): read here rather than with another dpkg and a sed.
        \tif [ -r /var/lib/dpkg/arch ]; then
        \t\twhile IFS= read -r converge_a; do printf 'listed %s\\n' "$converge_a"; done </var/lib/dpkg/arch
        \tfi
        fi
        """
    }

    public func parse(_ output: String) throws -> Architecture {
        var machine: String?
        var dpkg: String?
        var foreign: [String] = []
        var listed: [String] = []
        for line in lines(of: output) {
            // `dpkg ` alone when dpkg --print-architecture failed.
            let parts = line.split(separator: " ", maxSplits: 1)
            let value = parts.count == 2 ? String(parts[1].trimmingWhitespace()) : ""
            switch parts.first {
            case "machine": machine = value
            case "dpkg": dpkg = value
            case "foreign" where !value.isEmpty: foreign.append(value)
            case "listed" where !value.isEmpty: listed.append(value)
            default: throw FactParseError("unexpected line: \(line)")
            }
        }
        guard let machine, !machine.isEmpty else {
            throw FactParseError("no machine from uname -m: \(output)")
        }
        let name = dpkg.flatMap { $0.isEmpty ? nil : $0 }
            ?? Architecture.debianNames[machine] ?? machine
        foreign += listed.filter { $0 != name && !foreign.contains($0) }
        return Architecture(name: name, machine: machine, foreignArchitectures: foreign)
    }
}

/// The architecture packages are installed for (``Architecture/name`` alone): what roles
/// see. One exec and no subshell, since a converge asks every host every time; the full
/// ``ArchitectureFact`` also reads `uname -m` and the foreign architectures.
public struct PackageArchitectureFact: Fact {
    public init() {}

    public var command: String {
        """
        if command -v dpkg >/dev/null 2>&1; then
        \tdpkg --print-architecture
        else
        \tuname -m
        fi
        """
    }

    /// `uname -m`'s machine names are translated where Debian's name is known; dpkg's
    /// own names are never such a machine name (or translate to themselves, like `i386`).
    public func parse(_ output: String) throws -> String {
        let names = lines(of: output).map { String($0.trimmingWhitespace()) }.filter { !$0.isEmpty }
        guard names.count == 1, let name = names.first else {
            throw FactParseError("expected one architecture name: \(output)")
        }
        return Architecture.debianNames[name] ?? name
    }
}
