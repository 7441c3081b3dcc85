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
/// Paths travel only inside the command (quoted); the output names them by index and
/// carries link targets in hex and contents in base64, so no byte of a path or target
/// (a newline, a quote, non-ASCII) can break the parsing.
public struct PathStatesFact: Fact {
    public let paths: [String]
    /// The paths whose content is wanted too (for diffs), when at most ``contentLimit`` bytes.
    public let contentPaths: Set<String>
    public let contentLimit: Int

    public init(paths: [String], contentPaths: Set<String> = [], contentLimit: Int = 256 * 1024) {
        self.paths = paths
        self.contentPaths = contentPaths
        self.contentLimit = contentLimit
    }

    public var name: String { "PathStatesFact(\(paths.count) paths)" }

    public var command: String {
        var script = """
            converge_path() {
            \tif [ ! -e "$2" ] && [ ! -L "$2" ]; then printf '%s missing\\n' "$1"; return 0; fi
            \tconverge_s=$(stat -c '%f %u %g %U %G %s' "$2") || return 1
            \tprintf '%s stat %s\\n' "$1" "$converge_s"
            \tif [ -L "$2" ]; then
            \t\tprintf '%s link %s\\n' "$1" "$(readlink "$2" | od -An -v -tx1 | tr -d ' \\n')"
            \telif [ -f "$2" ]; then
            \t\tprintf '%s sha256 %s\\n' "$1" "$(sha256sum < "$2" | cut -c1-64)"
            \t\tif [ "$3" = content ] && [ "${converge_s##* }" -le \(contentLimit) ]; then
            \t\t\tprintf '%s content\\n' "$1"
            \t\t\tbase64 < "$2" | sed "s/^/$1 base64 /"
            \t\tfi
            \tfi
            }
            converge_status=0

            """
        for (index, path) in paths.enumerated() {
            let content = contentPaths.contains(path) ? " content" : ""
            script += "converge_path \(index) \(shellQuote(path))\(content) || converge_status=1\n"
        }
        return script + "exit $converge_status\n"
    }

    public func parse(_ output: String) throws -> [String: PathState] {
        var states = [Int: PathState]()
        var base64 = [Int: String]()
        for line in lines(of: output) {
            let words = line.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count >= 2, let index = Int(words[0]), paths.indices.contains(index) else {
                throw FactParseError("unexpected line: \(line)")
            }
            let path = paths[index]
            switch (words[1], words.count) {
            case ("missing", 2):
                continue
            case ("stat", 8):
                guard let raw = UInt32(words[2], radix: 16), let uid = Int(words[3]), let gid = Int(words[4]),
                    let size = Int(words[7])
                else { throw FactParseError("\(path): unreadable stat line: \(line)") }
                let kind: PathState.Kind =
                    switch raw & 0o170000 {
                    case 0o100000: .file
                    case 0o040000: .directory
                    case 0o120000: .symlink
                    default: .other
                    }
                // stat prints UNKNOWN for an id without a name.
                let owner = words[5] == "UNKNOWN" ? nil : String(words[5])
                let group = words[6] == "UNKNOWN" ? nil : String(words[6])
                states[index] = PathState(
                    kind: kind, mode: UInt16(raw & 0o7777), uid: uid, gid: gid, owner: owner, group: group,
                    size: size)
            case ("link", 2), ("link", 3):
                let hex = words.count == 3 ? words[2] : ""
                guard var bytes = decodeHex(hex), bytes.last == 0x0A else {
                    throw FactParseError("\(path): unreadable link target: \(line)")
                }
                bytes.removeLast()  // readlink's newline
                states[index]?.target = String(decoding: bytes, as: UTF8.self)
            case ("sha256", 3) where words[2].count == 64:
                states[index]?.sha256 = String(words[2])
            case ("content", 2):
                base64[index] = ""
            case ("base64", 3):
                base64[index, default: ""] += words[2]
            default:
                throw FactParseError("\(path): unexpected line: \(line)")
            }
        }
        for (index, text) in base64 {
            guard let data = Data(base64Encoded: text) else {
                throw FactParseError("\(paths[index]): content is not valid base64")
            }
            guard states[index]?.sha256 != nil else { continue }
            states[index]?.content = data
        }
        return Dictionary(uniqueKeysWithValues: states.map { (paths[$0.key], $0.value) })
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
