/// Which Debian release a host runs, from `/etc/os-release` and `/etc/debian_version`.
public struct DebianRelease: Codable, Equatable, Sendable {
    /// `ID`, e.g. `debian`.
    public var id: String?
    /// `VERSION_ID`, e.g. `12`; missing on testing and unstable.
    public var versionID: String?
    /// The release's codename, e.g. `bookworm`.
    ///
    /// From `VERSION_CODENAME`, else from `VERSION="8 (jessie)"` (jessie and early stretch
    /// have no `VERSION_CODENAME`), else, on Debian itself, from `/etc/debian_version`
    /// (`trixie/sid`) or the major version.
    public var codename: String?
    /// `PRETTY_NAME`, e.g. `Debian GNU/Linux 12 (bookworm)`.
    public var prettyName: String?
    /// The first line of `/etc/debian_version`, e.g. `12.7` or, on testing and unstable, `trixie/sid`.
    public var debianVersion: String?
    /// The point release, e.g. `8.11` or `12.7`; nil on testing and unstable.
    public var pointRelease: String?
    /// The major version, e.g. `12`; nil on testing and unstable.
    public var majorVersion: Int?

    public init(
        id: String?, versionID: String?, codename: String?, prettyName: String?,
        debianVersion: String?, pointRelease: String?, majorVersion: Int?
    ) {
        self.id = id
        self.versionID = versionID
        self.codename = codename
        self.prettyName = prettyName
        self.debianVersion = debianVersion
        self.pointRelease = pointRelease
        self.majorVersion = majorVersion
    }

    /// Derives the release from the fields of an os-release file and the first line of
    /// `/etc/debian_version`; either may be missing (empty, nil).
    public init(osRelease fields: [String: String], debianVersion: String?) {
        let debianVersion = debianVersion.flatMap(nonEmpty)
        let versionID = fields["VERSION_ID"].flatMap(nonEmpty)
        // trixie adds DEBIAN_VERSION_FULL; debian_version stays the classic source.
        let pointRelease = [debianVersion, fields["DEBIAN_VERSION_FULL"]]
            .compactMap { $0 }
            .first(where: isDottedNumber)
        let majorVersion = versionID.flatMap { Int($0) }
            ?? pointRelease.flatMap { Int($0.prefix { $0 != "." }) }
        let id = fields["ID"].flatMap(nonEmpty)
        // Derivatives (Ubuntu: debian_version `bookworm/sid`) get no Debian codename.
        let isDebian = id == nil || id == "debian"
        let codename = fields["VERSION_CODENAME"].flatMap(nonEmpty)
            ?? fields["VERSION"].flatMap(codenameInParentheses)
            ?? (isDebian ? debianVersion.flatMap(testingCodename) : nil)
            ?? (isDebian ? majorVersion.flatMap { Self.codenames[$0] } : nil)
        self.init(
            id: id, versionID: versionID, codename: codename,
            prettyName: fields["PRETTY_NAME"].flatMap(nonEmpty),
            debianVersion: debianVersion, pointRelease: pointRelease, majorVersion: majorVersion)
    }

    /// Codenames of Debian's major versions, for hosts whose os-release lacks one.
    /// (``DebianSuites/releases`` in order, from squeeze, Debian 6.)
    static let codenames = Dictionary(uniqueKeysWithValues: DebianSuites.releases.enumerated().map { ($0.offset + 6, $0.element) })
}

/// The host's ``DebianRelease``; never fails on a host lacking either file.
public struct DebianReleaseFact: Fact {
    public init() {}

    /// Key under which the command appends `/etc/debian_version` to the os-release fields.
    static let debianVersionKey = "CONVERGE_DEBIAN_VERSION"

    public var command: String {
        """
        for f in /etc/os-release /usr/lib/os-release; do
        \tif [ -r "$f" ]; then
        \t\twhile IFS= read -r converge_l || [ -n "$converge_l" ]; do printf '%s\\n' "$converge_l"; done <"$f"
        \t\tbreak
        \tfi
        done
        printf '\\n'
        if [ -r /etc/debian_version ]; then
        \tIFS= read -r converge_v </etc/debian_version || :
        \tprintf '%s=%s\\n' \(Self.debianVersionKey) "$converge_v"
        fi
        """
    }

    public func parse(_ output: String) -> DebianRelease {
        var fields = parseOSRelease(output)
        let debianVersion = fields.removeValue(forKey: Self.debianVersionKey)
        return DebianRelease(osRelease: fields, debianVersion: debianVersion)
    }
}

/// The fields of an os-release(5) file: `KEY=value` lines, values optionally in single
/// or double quotes, with shell backslash escapes. Like systemd, it skips blank lines,
/// `#` comments and malformed lines rather than failing.
func parseOSRelease(_ text: String) -> [String: String] {
    var fields: [String: String] = [:]
    for rawLine in lines(of: text) {
        let line = rawLine.trimmingWhitespace()
        guard !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { continue }
        let key = line[..<equals]
        guard !key.isEmpty,
            key.unicodeScalars.allSatisfy({
                $0 == "_" || ("A"..."Z").contains($0) || ("a"..."z").contains($0)
                    || ("0"..."9").contains($0)
            })
        else { continue }
        fields[String(key)] = unquoted(line[line.index(after: equals)...])
    }
    return fields
}

/// An os-release value without its quotes and escapes: `"a \"b\""` → `a "b"`.
private func unquoted(_ value: Substring) -> String {
    if value.count >= 2, value.first == "'", value.last == "'" {
        return String(value.dropFirst().dropLast())
    }
    var inner = value
    if value.count >= 2, value.first == "\"", value.last == "\"" {
        inner = value.dropFirst().dropLast()
    }
    var result = ""
    var escaped = false
    for character in inner {
        if !escaped && character == "\\" {
            escaped = true
        } else {
            result.append(character)
            escaped = false
        }
    }
    return result
}

/// `jessie` from `8 (jessie)`; nil unless the parentheses hold one lowercase word
/// (Ubuntu's `(Xenial Xerus)` is no codename).
private func codenameInParentheses(_ version: String) -> String? {
    guard let open = version.lastIndex(of: "("), version.hasSuffix(")") else { return nil }
    let word = version[version.index(after: open)..<version.index(before: version.endIndex)]
    return isLowercaseWord(word) ? String(word) : nil
}

/// `trixie` from testing's and unstable's `trixie/sid`.
private func testingCodename(_ debianVersion: String) -> String? {
    guard debianVersion.hasSuffix("/sid") else { return nil }
    let word = debianVersion.dropLast("/sid".count)
    return isLowercaseWord(word) ? String(word) : nil
}

private func isLowercaseWord(_ text: Substring) -> Bool {
    !text.isEmpty && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) }
}

/// True for `12`, `8.11`, `6.0.10`.
private func isDottedNumber(_ text: String) -> Bool {
    let parts = text.split(separator: ".", omittingEmptySubsequences: false)
    return parts.allSatisfy { !$0.isEmpty && $0.unicodeScalars.allSatisfy { ("0"..."9").contains($0) } }
}

private func nonEmpty(_ text: String) -> String? {
    let trimmed = text.trimmingWhitespace()
    return trimmed.isEmpty ? nil : String(trimmed)
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and carriage returns.
    func trimmingWhitespace() -> SubSequence {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }),
            let last = lastIndex(where: { !isSpace($0) })
        else { return self[endIndex...] }
        return self[first...last]
    }
}
