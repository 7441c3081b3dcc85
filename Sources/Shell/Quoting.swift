/// `value` quoted for POSIX `sh` as one word: `'it'\''s'`.
///
/// Everything converge runs on a target goes through this: single quotes keep `$(...)`,
/// backquotes, globs, newlines and non-ASCII text literal on every shell from jessie's
/// dash to trixie's.
public func shellQuote(_ value: String) -> String {
    // Pure Swift: a plan quotes every path and command of every host, and Foundation's
    // replacingOccurrences goes through NSString on Linux (a tenth of a no-op's CPU).
    guard value.utf8.contains(UInt8(ascii: "'")) else { return "'" + value + "'" }
    return "'" + value.split(separator: "'", omittingEmptySubsequences: false).joined(separator: #"'\''"#) + "'"
}
