import Shell
import Foundation

/// What is at a path that exists: its type, attributes, and for a regular file its
/// SHA-256 (and content, when asked for), for a symbolic link its target.
public struct PathState: Codable, Hashable, Sendable {
    public enum Kind: String, Codable, Sendable {
        case file, directory, symlink
        /// A device, FIFO or socket.
        case other
    }

    public var kind: Kind
    /// The permission bits, setuid, setgid and sticky included, e.g. `0o644`.
    public var mode: UInt16
    public var uid: Int
    public var gid: Int
    /// The owner's name, nil when the uid has none.
    public var owner: String?
    /// The group's name, nil when the gid has none.
    public var group: String?
    /// The size in bytes (of the link itself for a symlink).
    public var size: Int
    /// The SHA-256 of a regular file's content, lowercase hex.
    public var sha256: String?
    /// A symbolic link's target, exactly.
    public var target: String?
    /// A regular file's content, when it was asked for and no larger than the limit.
    public var content: Data?

    public init(
        kind: Kind, mode: UInt16, uid: Int, gid: Int, owner: String?, group: String?, size: Int,
        sha256: String? = nil, target: String? = nil, content: Data? = nil
    ) {
        self.kind = kind
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.owner = owner
        self.group = group
        self.size = size
        self.sha256 = sha256
        self.target = target
        self.content = content
    }
}

/// The state of the given absolute paths, not following symbolic links: `stat -c`,
/// `sha256sum`, `readlink` and `base64` as coreutils 8.23 has them.
///
/// The value maps each path that exists to its state; a missing path has no entry.
///
/// The command runs one `stat` over every existing path, one `readlink` over every
/// symbolic link and one `sha256sum` over every regular file, whatever their number, and
/// reads a file's content only when it is wanted and its hash differs from the desired one
/// (``desiredSHA256``): a no-change probe costs a handful of processes.
/// Paths travel only inside the command (quoted); each batch's output starts with a line
/// naming the paths it covers by index, and holds one line per path (`stat`, `sha256sum`,
/// which escapes awkward names), link targets in hex and contents in base64, so no byte of
/// a path or target (a newline, a quote, non-ASCII) can break the parsing.
public struct PathStatesFact: Fact {
    /// The paths, each absolute.
    public let paths: [String]
    /// The paths whose content is wanted too (for diffs), when at most ``contentLimit`` bytes.
    public let contentPaths: Set<String>
    /// For content paths: the SHA-256 (lowercase hex) of the content wanted there. The
    /// content is only read when the file's hash differs: a diff shows nothing otherwise.
    public let desiredSHA256: [String: String]
    public let contentLimit: Int

    /// - Precondition: every path is absolute.
    public init(
        paths: [String], contentPaths: Set<String> = [], desiredSHA256: [String: String] = [:],
        contentLimit: Int = 256 * 1024
    ) {
        precondition(paths.allSatisfy { $0.hasPrefix("/") }, "PathStatesFact needs absolute paths: \(paths)")
        self.paths = paths
        self.contentPaths = contentPaths
        self.desiredSHA256 = desiredSHA256
        self.contentLimit = contentLimit
    }

    public var name: String { "PathStatesFact(\(paths.count) paths)" }

    /// The output, in this order (each header only when it covers any path):
    ///
    /// ```
    /// stat 0 2 3           indices of the paths that exist, then a line per path:
    /// 81a4 0 0 root root 81      %f %u %g %U %G %s
    /// link 3               indices of the symlinks, then their targets, each ended by
    ///  2f 65 74 63 00            a NUL byte, in hex lines of `od` (which start with a space)
    /// sha256 0             indices of the regular files, then `sha256sum`'s line per file
    /// <64 hex>  /etc/motd        (starting with `\` when it escaped the name)
    /// content 0            a wanted content that differs, base64 lines up to the next
    /// <base64>                   header; at most contentLimit + 1 bytes of it
    /// ```
    public var command: String {
        // converge_batch KIND PATH...: the paths of that kind (stat: all that exist), by
        // index among all paths, as a header line, then one command's output for them all.
        var script = """
            converge_paths() {
            \t"$@"\(paths.map { " " + shellQuote($0) }.joined())
            }
            converge_batch() {
            \tconverge_kind=$1
            \tshift
            \tconverge_n=0
            \tconverge_i=
            \tfor converge_p do
            \t\tshift
            \t\tif [ -L "$converge_p" ]; then converge_k='link'
            \t\telif [ -f "$converge_p" ]; then converge_k=sha256
            \t\telif [ -e "$converge_p" ]; then converge_k=other
            \t\telse converge_k=missing
            \t\tfi
            \t\tif [ "$converge_kind" = "$converge_k" ] || { [ "$converge_kind" = stat ] && [ "$converge_k" != missing ]; }; then
            \t\t\tconverge_i="$converge_i $converge_n"
            \t\t\tset -- "$@" "$converge_p"
            \t\tfi
            \t\tconverge_n=$((converge_n + 1))
            \tdone
            \t[ $# -gt 0 ] || return 0
            \tprintf '%s%s\\n' "$converge_kind" "$converge_i"
            \tcase $converge_kind in
            \tstat) stat -c '%f %u %g %U %G %s' -- "$@" ;;
            \tlink) readlink -z -- "$@" | od -An -v -tx1 ;;
            \tsha256) converge_sums=$(sha256sum -- "$@") && printf '%s\\n' "$converge_sums" ;;
            \tesac
            }
            converge_nl='
            '
            converge_sums=
            # converge_content INDEX PATH SHA256: PATH's content unless its hash is SHA256.
            converge_content() {
            \t[ -f "$2" ] && [ ! -L "$2" ] || return 0
            \tcase "$converge_nl$converge_sums$converge_nl" in
            \t*"$converge_nl$3  $2$converge_nl"*) return 0 ;;
            \tesac
            \tprintf 'content %s\\n' "$1"
            \thead -c \(contentLimit + 1) -- "$2" | base64
            }
            converge_paths converge_batch stat || exit 1
            converge_paths converge_batch link || exit 1
            converge_paths converge_batch sha256 || exit 1

            """
        for (index, path) in paths.enumerated() where contentPaths.contains(path) {
            // sha256sum escapes a name with a backslash or a newline (and, in later
            // coreutils, a carriage return): never equal, so such a file's content is read.
            let plain = !path.unicodeScalars.contains { $0 == "\\" || $0 == "\n" || $0 == "\r" }
            let desired = plain ? desiredSHA256[path] ?? "" : ""
            script += "converge_content \(index) \(shellQuote(path)) \(shellQuote(desired))\n"
        }
        return script
    }

    public func parse(_ output: String) throws -> [String: PathState] {
        var states = [Int: PathState]()
        var base64 = [Int: String]()
        let lines = lines(of: output)
        var number = 0
        /// The indices listed after a header's first word.
        func indices(_ line: Substring) throws -> [Int] {
            try line.split(separator: " ").dropFirst().map { word in
                guard let index = Int(word), paths.indices.contains(index) else {
                    throw FactParseError("unexpected header: \(line)")
                }
                return index
            }
        }
        /// The next `count` lines, failing when the output has fewer.
        func take(_ count: Int, after header: Substring) throws -> ArraySlice<Substring> {
            guard number + count <= lines.count else {
                throw FactParseError("output ends within the lines after \(header)")
            }
            defer { number += count }
            return lines[number..<(number + count)]
        }
        while number < lines.count {
            let header = lines[number]
            number += 1
            switch header.split(separator: " ").first {
            case "stat":
                let indices = try indices(header)
                for (index, line) in zip(indices, try take(indices.count, after: header)) {
                    states[index] = try parseStat(line, path: paths[index])
                }
            case "link":
                let indices = try indices(header)
                var hex = ""
                while number < lines.count, lines[number].hasPrefix(" ") {
                    hex += lines[number].filter { $0 != " " }
                    number += 1
                }
                guard let bytes = decodeHex(hex), bytes.last == 0 else {
                    throw FactParseError("unreadable link targets after \(header)")
                }
                let targets = bytes.dropLast().split(separator: 0, omittingEmptySubsequences: false)
                guard targets.count == indices.count else {
                    throw FactParseError("\(targets.count) link targets for \(header)")
                }
                for (index, target) in zip(indices, targets) {
                    guard states[index] != nil else { throw FactParseError("\(paths[index]): a link without stat") }
                    states[index]?.target = String(decoding: target, as: UTF8.self)
                }
            case "sha256":
                let indices = try indices(header)
                for (index, line) in zip(indices, try take(indices.count, after: header)) {
                    // `\` first when sha256sum escaped the name.
                    let hash = (line.hasPrefix("\\") ? line.dropFirst() : line).prefix(64)
                    guard hash.count == 64, hash.allSatisfy(\.isHexDigit), states[index] != nil else {
                        throw FactParseError("\(paths[index]): unreadable sha256sum line: \(line)")
                    }
                    states[index]?.sha256 = hash.lowercased()
                }
            case "content":
                let indices = try indices(header)
                guard indices.count == 1 else { throw FactParseError("unexpected header: \(header)") }
                var text = ""
                while number < lines.count, !lines[number].contains(" ") {
                    text += lines[number]
                    number += 1
                }
                base64[indices[0]] = text
            default:
                throw FactParseError("unexpected line: \(header)")
            }
        }
        for (index, text) in base64 {
            guard let data = Data(base64Encoded: text) else {
                throw FactParseError("\(paths[index]): content is not valid base64")
            }
            // Only what was read whole, of a file whose hash is known.
            guard data.count <= contentLimit, states[index]?.sha256 != nil else { continue }
            states[index]?.content = data
        }
        return Dictionary(states.map { (paths[$0.key], $0.value) }, uniquingKeysWith: { first, _ in first })
    }

    /// A `%f %u %g %U %G %s` line.
    private func parseStat(_ line: Substring, path: String) throws -> PathState {
        let words = line.split(separator: " ", omittingEmptySubsequences: false)
        guard words.count == 6, let raw = UInt32(words[0], radix: 16), let uid = Int(words[1]),
            let gid = Int(words[2]), let size = Int(words[5])
        else { throw FactParseError("\(path): unreadable stat line: \(line)") }
        let kind: PathState.Kind =
            switch raw & 0o170000 {
            case 0o100000: .file
            case 0o040000: .directory
            case 0o120000: .symlink
            default: .other
            }
        // stat prints UNKNOWN for an id without a name.
        let owner = words[3] == "UNKNOWN" ? nil : String(words[3])
        let group = words[4] == "UNKNOWN" ? nil : String(words[4])
        return PathState(
            kind: kind, mode: UInt16(raw & 0o7777), uid: uid, gid: gid, owner: owner, group: group, size: size)
    }
}

/// The bytes of lowercase or uppercase hex text; nil if it is not hex.
func decodeHex(_ text: some StringProtocol) -> [UInt8]? {
    let digits = Array(text.utf8)
    guard digits.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity(digits.count / 2)
    var index = 0
    while index < digits.count {
        guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
        bytes.append(high << 4 | low)
        index += 2
    }
    return bytes
}

private func hexValue(_ digit: UInt8) -> UInt8? {
    switch digit {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
    default: nil
    }
}
