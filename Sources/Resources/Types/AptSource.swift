import Facts
import Foundation
import Shell

/// A third-party apt repository: a deb822 `.sources` file in /etc/apt/sources.list.d with
/// the keyring that signs it (`Signed-By`), and apt's lists refreshed before a package is
/// installed from it.
///
/// ```swift
/// AptSource("nodesource", uris: ["https://deb.nodesource.com/node_20.x"], suites: ["nodistro"],
///           key: .controllerFile("keys/nodesource.asc"))
/// Package("nodejs", requires: [.aptSource("nodesource")])
/// ```
///
/// The keyring is `/etc/apt/keyrings/<name>.asc` (`.gpg` for a binary key), trusted for this
/// source only. An older one-line entry for the same archive (a `deb <uri> …` line in
/// sources.list or a `.list` file, as an earlier setup or a vendor's script left it) is
/// taken out: a `.list` file of its own is removed, a line in a shared file commented out.
/// apt older than 1.1 (Debian 8 jessie) reads no deb822 sources: there the source is a
/// one-line `.list` file and the key a binary keyring in /etc/apt/trusted.gpg.d, the only
/// way that apt trusts a key.
public struct AptSource: Resource, Hashable {
    /// The key that signs the repository.
    public enum Key: Sendable, Hashable {
        /// An OpenPGP public key, ASCII-armored (`-----BEGIN PGP PUBLIC KEY BLOCK-----`).
        case armored(String)
        /// A key file on the controller, armored or binary, read when planning.
        case controllerFile(String)
        /// A key's bytes, armored or binary.
        case data(Data)
    }

    /// Names the source's files: letters, digits, `.`, `_`, `-`.
    public var name: String
    public var uris: [String]
    /// Suites (`bookworm`, `stable`), or one path ending in `/` for a flat repository.
    public var suites: [String]
    /// Components (`main`); none for a flat repository.
    public var components: [String]
    /// `deb`, `deb-src`.
    public var types: [String]
    /// The architectures to fetch; all of the host's when empty.
    public var architectures: [String]
    public var key: Key?
    public var presence: Presence
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ name: String, uris: [String], suites: [String], components: [String] = ["main"], types: [String] = ["deb"],
        architectures: [String] = [], key: Key?, presence: Presence = .present, requires: [ResourceID] = [],
        notifies: [ResourceID] = []
    ) {
        self.name = name
        self.uris = uris
        self.suites = suites
        self.components = components
        self.types = types
        self.architectures = architectures
        self.key = key
        self.presence = presence
        self.requires = requires
        self.notifies = notifies
    }

    /// A source that must not be there: its files are removed.
    public init(_ name: String, _ presence: Presence) {
        self.init(name, uris: [], suites: [], components: [], key: nil, presence: presence)
    }

    public var id: ResourceID { .aptSource(name) }

    /// `/etc/apt/sources.list.d/<name>.sources`.
    public var sourcesPath: String { "/etc/apt/sources.list.d/\(name).sources" }
    /// `/etc/apt/sources.list.d/<name>.list`, for apt older than 1.1.
    public var listPath: String { "/etc/apt/sources.list.d/\(name).list" }
    /// `/etc/apt/trusted.gpg.d/<name>.gpg`, for apt older than 1.1.
    public var trustedKeyPath: String { "/etc/apt/trusted.gpg.d/\(name).gpg" }

    /// The key's bytes as given (armored or binary); nil without a key or before a
    /// controller file is read.
    var keyBytes: Data? {
        switch key {
        case .armored(let text): Data(text.utf8)
        case .data(let data): data
        case .controllerFile, nil: nil
        }
    }

    var keyIsArmored: Bool { keyBytes.map { $0.starts(with: Data("-----BEGIN PGP".utf8)) } ?? false }

    /// `/etc/apt/keyrings/<name>.asc`, or `.gpg` for a binary key.
    public var keyringPath: String { "/etc/apt/keyrings/\(name).\(keyIsArmored || keyBytes == nil ? "asc" : "gpg")" }
}

extension ResourceID {
    /// The ID of ``AptSource`` `name`.
    public static func aptSource(_ name: String) -> ResourceID { ResourceID(kind: "apt-source", name: name) }
}

extension AptSource: ControllerFileReading {
    public var controllerFiles: [String] {
        if case .controllerFile(let path)? = key { [path] } else { [] }
    }

    public func reading(_ contents: [String: Data]) -> AptSource {
        guard case .controllerFile(let path)? = key, let data = contents[path] else { return self }
        var source = self
        source.key = .data(data)
        return source
    }
}

// MARK: Planning

extension AptSource {
    public static var stage: ConvergenceStage { .packageSetup }
    public var managedPath: String? { sourcesPath }

    /// apt's version, to choose the format.
    static let aptVersion = ShellFact(name: "apt-version", command: "dpkg-query -W -f '${Version}' apt 2>/dev/null || :")
    /// Every active one-line entry of sources.list and sources.list.d/*.list.
    static let oneLineEntries = ShellFact(
        name: "apt-one-line-entries",
        command: "grep -H -n -E '^[[:space:]]*deb(-src)?[[:space:]]' /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null || :")

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard isAptFileName(name) else { throw .invalid(id, "a source's name is letters, digits, `.`, `_` and `-`") }
        if presence == .present {
            guard !uris.isEmpty, !suites.isEmpty, !types.isEmpty else { throw .invalid(id, "needs URIs, suites and types") }
            for word in uris + suites + components + types + architectures
            where word.isEmpty || word.contains(where: { $0.isWhitespace || $0 == "[" || $0 == "]" || $0 == "#" }) {
                throw .invalid(id, "not a word of a source: \(word.debugDescription)")
            }
            if suites.contains(where: { $0.hasSuffix("/") }), !components.isEmpty {
                throw .invalid(id, "a flat repository (a suite ending in /) has no components")
            }
            if case .controllerFile(let path)? = key { throw .invalid(id, "the key file \(path) was not read before planning") }
            if let bytes = keyBytes, keyIsArmored, Self.dearmored(bytes) == nil {
                throw .invalid(id, "the key is not an ASCII-armored OpenPGP public key block")
            }
        }
        try query.add(Self.aptVersion, for: id)
        try query.add(Self.oneLineEntries, for: id)
        try Self.keyrings.addFacts(to: &query)
        for file in files(modern: true) + files(modern: false) { try file.addFacts(to: &query) }
    }

    /// Where keyrings of one source go (Debian 12 has it; older releases get it).
    static let keyrings = Directory("/etc/apt/keyrings", mode: 0o755)

    /// The files of the source in one format, and the other format's to remove.
    func files(modern: Bool) -> [File] {
        guard presence == .present else {
            return [sourcesPath, listPath, trustedKeyPath, "/etc/apt/keyrings/\(name).asc", "/etc/apt/keyrings/\(name).gpg"]
                .map { File($0, .absent) }
        }
        if modern {
            var files = [File(sourcesPath, content: .text(deb822Text), mode: 0o644), File(listPath, .absent), File(trustedKeyPath, .absent)]
            if let bytes = keyBytes { files.insert(File(keyringPath, content: .data(bytes), mode: 0o644), at: 0) }
            return files
        }
        var files = [File(listPath, content: .text(oneLineText), mode: 0o644), File(sourcesPath, .absent)]
        if let bytes = keyBytes {
            files.insert(File(trustedKeyPath, content: .data(keyIsArmored ? Self.dearmored(bytes) ?? bytes : bytes), mode: 0o644), at: 0)
        }
        return files
    }

    var deb822Text: String {
        var lines = ["# Managed by converge.", "Types: " + types.joined(separator: " "), "URIs: " + uris.joined(separator: " "),
                     "Suites: " + suites.joined(separator: " ")]
        if !components.isEmpty { lines.append("Components: " + components.joined(separator: " ")) }
        if !architectures.isEmpty { lines.append("Architectures: " + architectures.joined(separator: " ")) }
        if keyBytes != nil { lines.append("Signed-By: " + keyringPath) }
        return lines.joined(separator: "\n") + "\n"
    }

    var oneLineText: String {
        let options = architectures.isEmpty ? "" : "[arch=\(architectures.joined(separator: ","))] "
        var lines = ["# Managed by converge."]
        for type in types {
            for uri in uris {
                for suite in suites {
                    lines.append(([type, options + uri, suite] + components).joined(separator: " "))
                }
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let version = try context.value(of: Self.aptVersion, for: id).trimmingCharacters(in: .whitespacesAndNewlines)
        // apt 1.1 read deb822 sources first; Debian 8's is 1.0.9.
        let modern = !(version.hasPrefix("0.") || version.hasPrefix("1.0"))
        let first = context.changes.count
        if modern, presence == .present, keyBytes != nil, !context.declares(Self.keyrings.id) {
            try context.plan(Self.keyrings, as: id)
        }
        for file in files(modern: modern) { try context.plan(file, as: id) }
        if presence == .present {
            try retireOneLineEntries(try context.value(of: Self.oneLineEntries, for: id), in: &context)
        }
        if context.changes.count > first { context.refreshPackageLists(because: "apt source \(name) changed") }
    }

    /// Takes out the one-line entries of the same archive that are not the source's own.
    func retireOneLineEntries(_ output: String, in context: inout PlanContext) throws(PlanError) {
        var byFile: [String: (ours: [String], others: Int)] = [:]
        var order: [String] = []
        for line in output.split(separator: "\n") {
            // path:number:text
            let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            let path = String(parts[0]), text = String(parts[2])
            guard path != listPath else { continue }
            if byFile[path] == nil { order.append(path) }
            if isOurs(text) { byFile[path, default: ([], 0)].ours.append(text) } else { byFile[path, default: ([], 0)].others += 1 }
        }
        for path in order {
            guard let entries = byFile[path], !entries.ours.isEmpty else { continue }
            if path.hasPrefix("/etc/apt/sources.list.d/"), entries.others == 0 {
                context.append(Change(
                    resource: id, action: .remove, reason: "\(path) holds only older entries for this archive",
                    operation: .removePath(path: path, recursive: false)))
                continue
            }
            let note = " # converge: now in \(name).sources"
            context.append(Change(
                resource: id, action: .update,
                reason: "\(path) has \(entries.ours.count == 1 ? "an older entry" : "older entries") for this archive",
                fields: entries.ours.map { FieldChange("entry", old: $0, new: "# " + $0 + note) },
                operation: .shell(entries.ours.map { Self.commentOut($0, in: path, note: note) }.joined(separator: "\n"))))
        }
    }

    /// Whether a one-line entry is for one of the source's URIs (trailing slashes aside).
    func isOurs(_ entry: String) -> Bool {
        let words = entry.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard let type = words.first, type == "deb" || type == "deb-src" else { return false }
        // Options come in brackets after the type, and may hold spaces.
        var index = 1
        if index < words.count, words[index].hasPrefix("[") {
            while index < words.count, !words[index].hasSuffix("]") { index += 1 }
            index += 1
        }
        guard index < words.count else { return false }
        func normalized(_ uri: String) -> String { uri.hasSuffix("/") ? String(uri.dropLast()) : uri }
        return uris.map(normalized).contains(normalized(words[index]))
    }

    /// Comments the line `entry` out of `path`, in place (the file keeps its attributes).
    static func commentOut(_ entry: String, in path: String, note: String) -> String {
        """
        converge_f=\(shellQuote(path))
        converge_l=\(shellQuote(entry)) converge_n=\(shellQuote(note)) awk 'BEGIN { l = ENVIRON["converge_l"]; n = ENVIRON["converge_n"] } $0 == l { print "# " $0 n; next } { print }' "$converge_f" > "$converge_f.converge-new"
        cat "$converge_f.converge-new" > "$converge_f"
        rm -f "$converge_f.converge-new"
        """
    }

    /// The binary OpenPGP packets of an ASCII-armored key block: the base64 between the
    /// armor headers' blank line and the checksum (`=…`) line.
    static func dearmored(_ armored: Data) -> Data? {
        guard let text = String(data: armored, encoding: .utf8) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard let begin = lines.firstIndex(of: "-----BEGIN PGP PUBLIC KEY BLOCK-----"),
            let end = lines[begin...].firstIndex(of: "-----END PGP PUBLIC KEY BLOCK-----")
        else { return nil }
        var body = lines[(begin + 1)..<end]
        if let blank = body.firstIndex(of: "") { body = body[(blank + 1)...] }
        let base64 = body.filter { !$0.hasPrefix("=") && !$0.isEmpty }.joined()
        guard let data = Data(base64Encoded: base64), !data.isEmpty else { return nil }
        return data
    }
}
