/// A configuration file a package installed (a dpkg conffile) whose content is no longer
/// what dpkg recorded: edited by hand, replaced, or deleted. dpkg asks about these on the
/// package's next upgrade.
public struct ModifiedConffile: Codable, Hashable, Sendable {
    /// The package as dpkg names it: `openssh-server`, or `libc6:i386` for a foreign architecture.
    public var package: String
    public var path: String
    /// Whether the file is gone (or unreadable) rather than changed.
    public var isMissing: Bool

    public init(package: String, path: String, isMissing: Bool = false) {
        self.package = package
        self.path = path
        self.isMissing = isMissing
    }
}

/// Every package's modified conffiles: dpkg's recorded MD5 of each conffile
/// (`${Conffiles}`) checked by one `md5sum -c`, as dpkg itself decides that a conffile was
/// modified. Works alike on every dpkg from jessie's 1.17 on; `dpkg --verify` would hash
/// every file of every package, far more work.
///
/// Obsolete conffiles (left by a package that no longer ships them) and conffiles new in
/// an unfinished installation (`newconffile`) are not checked.
public struct ModifiedConffilesFact: Fact {
    public init() {}

    public var command: String {
        // ${Conffiles} lines: ` PATH MD5`, maybe followed by ` obsolete` or (dpkg 1.20.1
        // and later) ` remove-on-upgrade`; a path may hold spaces, so the hash is the last
        // word but one or the last. mawk (jessie's awk) has no {32} intervals: length().
        #"""
        converge_c=$(dpkg-query -W -f '${binary:Package}\n${Conffiles}\n') || exit 1
        printf '%s\n' "$converge_c" | awk '/^[^ ]/ { p = $0; next } /^ \// { print p " " substr($0, 2) }'
        printf 'failed\n'
        printf '%s\n' "$converge_c" | awk '
        /^ \// {
        	n = NF; f = ""
        	if ($n == "obsolete" || $n == "remove-on-upgrade") { f = $n; n-- }
        	if (f == "obsolete" || length($n) != 32) next
        	print $n "  " substr($0, 2, length($0) - 2 - length($n) - (f == "" ? 0 : length(f) + 1))
        }' | md5sum -c --quiet 2>/dev/null
        exit 0
        """#
    }

    /// `PACKAGE PATH MD5 [FLAG]` for every conffile, then `failed`, then `md5sum -c`'s
    /// complaints: `PATH: FAILED` (changed) or `PATH: FAILED open or read` (missing).
    public func parse(_ output: String) throws -> [ModifiedConffile] {
        let lines = lines(of: output)
        guard let separator = lines.firstIndex(of: "failed") else {
            throw FactParseError("no md5sum section: \(output.prefix(200))")
        }
        // Path to package; a path two packages claim (a conffile that moved) keeps the first.
        var owners: [String: String] = [:]
        for line in lines[..<separator] {
            guard let space = line.firstIndex(of: " ") else { throw FactParseError("unexpected line: \(line)") }
            var rest = line[line.index(after: space)...].split(separator: " ", omittingEmptySubsequences: false)
            if let last = rest.last, last == "obsolete" || last == "remove-on-upgrade" { rest.removeLast() }
            guard rest.count >= 2 else { throw FactParseError("unexpected conffile line: \(line)") }
            let path = rest.dropLast().joined(separator: " ")
            if owners[path] == nil { owners[path] = String(line[..<space]) }
        }
        var modified: [ModifiedConffile] = []
        for line in lines[(separator + 1)...] where !line.isEmpty {
            let missing = line.hasSuffix(": FAILED open or read")
            guard missing || line.hasSuffix(": FAILED") else { throw FactParseError("unexpected md5sum line: \(line)") }
            let path = String(line.dropLast(missing ? ": FAILED open or read".count : ": FAILED".count))
            // md5sum escapes a name holding a backslash or newline with a leading `\`;
            // dpkg allows neither in conffile names, so such a line names no conffile.
            guard let package = owners[path] else { continue }
            modified.append(ModifiedConffile(package: package, path: path, isMissing: missing))
        }
        return modified.sorted { ($0.package, $0.path) < ($1.package, $1.path) }
    }
}
