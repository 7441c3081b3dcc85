import Foundation

/// `value` quoted for POSIX `sh` as one word: `'it'\''s'`.
///
/// Everything converge runs on a target goes through this: single quotes keep `$(...)`,
/// backquotes, globs, newlines and non-ASCII text literal on every shell from jessie's
/// dash to trixie's.
public func shellQuote(_ value: String) -> String {
    "'" + value.replacingOccurrences(of: "'", with: #"'\''"#) + "'"
}
