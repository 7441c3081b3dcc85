/// Python's `shlex.split(text, comments:, posix: True)`, which Ansible uses to split an INI
/// host line into its host pattern and `key=value` words, and `ansible_ssh_common_args`
/// into ssh's arguments.
///
/// Words are separated by spaces, tabs, carriage returns and newlines. Single quotes keep
/// everything literally; double quotes let `\` escape only `"` and `\`; outside quotes `\`
/// escapes any character. Quotes join with the text around them (`a="b c"` is `a=b c`).
/// With `comments`, a `#` outside quotes ends the line, even in the middle of a word, which
/// is why `pw=ab#cd` is `pw=ab` and Ansible's documentation says to quote such values.
enum ShellWords {
    /// Why a line cannot be split.
    enum Failure: Error, Equatable {
        case unclosedQuotation
        case danglingEscape

        /// Python's message, which Ansible shows.
        var message: String {
            switch self {
            case .unclosedQuotation: "No closing quotation"
            case .danglingEscape: "No escaped character"
            }
        }
    }

    static func split(_ text: String, comments: Bool) throws(Failure) -> [String] {
        enum State { case whitespace, word, singleQuoted, doubleQuoted }
        var words: [String] = []
        var word = ""
        var hasWord = false  // "" counts as a word once quotes were seen
        var state = State.whitespace
        var scalars = text.unicodeScalars.makeIterator()

        func finishWord() {
            if hasWord { words.append(word) }
            word = ""
            hasWord = false
        }

        while let scalar = scalars.next() {
            switch state {
            case .whitespace, .word:
                switch scalar {
                case " ", "\t", "\r", "\n":
                    finishWord()
                    state = .whitespace
                case "#" where comments:
                    finishWord()
                    return words
                case "'":
                    hasWord = true
                    state = .singleQuoted
                case "\"":
                    hasWord = true
                    state = .doubleQuoted
                case "\\":
                    guard let escaped = scalars.next() else { throw .danglingEscape }
                    word.unicodeScalars.append(escaped)
                    hasWord = true
                    state = .word
                default:
                    word.unicodeScalars.append(scalar)
                    hasWord = true
                    state = .word
                }
            case .singleQuoted:
                if scalar == "'" { state = .word } else { word.unicodeScalars.append(scalar) }
            case .doubleQuoted:
                if scalar == "\"" {
                    state = .word
                } else if scalar == "\\" {
                    guard let escaped = scalars.next() else { throw .unclosedQuotation }
                    if escaped != "\"" && escaped != "\\" { word.unicodeScalars.append(scalar) }
                    word.unicodeScalars.append(escaped)
                } else {
                    word.unicodeScalars.append(scalar)
                }
            }
        }
        if state == .singleQuoted || state == .doubleQuoted { throw .unclosedQuotation }
        finishWord()
        return words
    }
}
