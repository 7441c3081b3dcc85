/// A host entry as Ansible inventories write it: a name or a range of names, optionally
/// with `:port`. `web[01:03].example.com:2222` is three hosts on port 2222.
struct HostPattern: Equatable {
    /// The host names, in range order.
    var names: [String]
    /// The port written after the pattern, which Ansible stores as `ansible_port`.
    var port: Int?

    /// Why a pattern does not expand; the message follows Ansible's wording.
    struct Failure: Error, Equatable {
        var message: String
    }

    /// Splits off a port and expands the ranges, as Ansible's `_expand_hostpattern` does.
    ///
    /// Ranges: `[01:05]` (zero-padded when the start is, and then both ends must be as
    /// long), `[1:10:3]` with a step, `[a:f]` over ASCII letters (`a`-`z` then `A`-`Z`),
    /// `[:3]` from 0; several ranges in one pattern multiply. A range that yields no host
    /// (`[5:1]`), which Ansible silently accepts, is an error here.
    init(_ text: String) throws(Failure) {
        let (pattern, port) = Self.splitPort(text)
        self.port = port
        guard pattern.contains("[") else {
            names = [pattern]
            return
        }
        names = try Self.expand(pattern)
        guard !names.isEmpty else {
            throw Failure(message: "host range \(quoted(text)) yields no hosts (begin is after end?)")
        }
    }

    /// Splits `host:port`, `[host]:port` and `web[1:3]:port` as Ansible's `parse_address`
    /// does: the port is split off only when what remains is a host name (ranges allowed),
    /// an IPv4 or an IPv6 address; otherwise the whole text is the host and there is no port.
    private static func splitPort(_ text: String) -> (String, Int?) {
        var host = text
        var port: Int?
        if let match = host.wholeMatch(of: #/\[(.+)\]:([0-9]+)/#) {
            host = String(match.1)
            port = Int(match.2)
        }
        if let match = host.wholeMatch(of: #/((?:[^:\[\]]|\[[^\]]*\])*):([0-9]+)/#) {
            host = String(match.1)
            port = Int(match.2)
        }
        guard isHostName(host) || isIPv6Address(host) else { return (text, nil) }
        return (host, port)
    }

    /// Ansible's `hostname` pattern: dot-separated labels of word characters and `-` (and
    /// ranges), each starting with a word character and not ending with `-` or `_`.
    private static func isHostName(_ text: String) -> Bool {
        // A range stands for the characters it expands to: replace each with one letter.
        let flattened = text.replacing(#/\[(?:[a-zA-Z]:[a-zA-Z]|[0-9]+:[0-9]+)(?::[0-9]+)?\]/#, with: "x")
        let labels = flattened.split(separator: ".", omittingEmptySubsequences: false)
        return labels.allSatisfy { label in
            guard let first = label.first, let last = label.last else { return false }
            let isWord = { (character: Character) in character.isLetter || character.isNumber || character == "_" }
            return isWord(first) && last != "-" && last != "_"
                && label.allSatisfy { isWord($0) || $0 == "-" }
        }
    }

    /// Roughly Ansible's `ipv6` pattern: hexadecimal groups and colons, at least two colons.
    private static func isIPv6Address(_ text: String) -> Bool {
        text.filter { $0 == ":" }.count >= 2
            && text.allSatisfy { $0.isHexDigit || $0 == ":" || $0 == "." || $0 == "[" || $0 == "]" }
    }

    /// Ansible's `expand_hostname_range`: expands the first `[...]`, then the rest of each
    /// result recursively.
    private static func expand(_ pattern: String) throws(Failure) -> [String] {
        guard let open = pattern.firstIndex(of: "["), let close = pattern[open...].firstIndex(of: "]") else {
            throw Failure(message: "invalid host range in \(quoted(pattern)): a '[' without a ']'")
        }
        let head = String(pattern[..<open])
        let tail = String(pattern[pattern.index(after: close)...])
        let bounds = pattern[pattern.index(after: open)..<close].split(separator: ":", omittingEmptySubsequences: false)
            .map(String.init)
        guard bounds.count == 2 || bounds.count == 3 else {
            throw Failure(message: "host range in \(quoted(pattern)) must be begin:end or begin:end:step")
        }
        let begin = bounds[0].isEmpty ? "0" : bounds[0]
        let end = bounds[1]
        guard !end.isEmpty else { throw Failure(message: "host range in \(quoted(pattern)) must specify an end value") }
        var step = 1
        if bounds.count == 3 {
            guard let value = Int(bounds[2]), value > 0 else {
                throw Failure(message: "host range in \(quoted(pattern)) has an invalid step \(quoted(bounds[2])) (a positive integer)")
            }
            step = value
        }

        var items: [String] = []
        let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
        if begin.count == 1, end.count == 1, let first = letters.firstIndex(of: Character(begin)),
           let last = letters.firstIndex(of: Character(end)) {
            guard first <= last else {
                throw Failure(message: "host range in \(quoted(pattern)) must have begin <= end")
            }
            items = stride(from: first, through: last, by: step).map { String(letters[$0]) }
        } else {
            guard begin.allSatisfy(\.isASCIIDigit), end.allSatisfy(\.isASCIIDigit), let low = Int(begin), let high = Int(end)
            else {
                throw Failure(message: "host range in \(quoted(pattern)) must be numbers or single letters, found \(quoted(begin)) and \(quoted(end))")
            }
            var width = 0
            if begin.hasPrefix("0") && begin.count > 1 {
                guard begin.count == end.count else {
                    throw Failure(message: "host range in \(quoted(pattern)) must specify equal-length begin and end formats")
                }
                width = begin.count
            }
            if low <= high {
                items = stride(from: low, through: high, by: step).map { number in
                    let digits = String(number)
                    return String(repeating: "0", count: max(0, width - digits.count)) + digits
                }
            }
        }

        var names: [String] = []
        for item in items {
            let name = head + item + tail
            if name.contains("[") {
                names += try expand(name)
            } else {
                names.append(name)
            }
        }
        return names
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
}
