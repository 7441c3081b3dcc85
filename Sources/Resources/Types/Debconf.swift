import Facts
import Shell

/// An answer to a package's debconf question: set before the package that asks is
/// installed (it converges before packages), and the package reconfigured when it is
/// installed already and the answer changes.
///
/// ```swift
/// Debconf("exim4-config", "exim4/dc_eximconfig_configtype", type: .select,
///         value: "internet site; mail is sent and received directly using SMTP")
/// Package("exim4-daemon-light")
/// ```
///
/// The current answer is read with `debconf-show`, which never shows a password: a
/// password question cannot be compared, so it is refused (a secret file is the way).
public struct Debconf: Resource, Hashable {
    /// The kind of a question, as debconf-set-selections names it.
    public enum QuestionType: String, Sendable, Hashable {
        case select, multiselect, string, boolean, note, text
    }

    /// The package that owns the question, e.g. `exim4-config`.
    public var package: String
    /// The question, e.g. `exim4/dc_eximconfig_configtype`.
    public var question: String
    public var type: QuestionType
    public var value: String
    public var requires: [ResourceID]
    public var notifies: [ResourceID]

    public init(
        _ package: String, _ question: String, type: QuestionType = .string, value: String,
        requires: [ResourceID] = [], notifies: [ResourceID] = []
    ) {
        self.package = package
        self.question = question
        self.type = type
        self.value = value
        self.requires = requires
        self.notifies = notifies
    }

    public var id: ResourceID { .debconf(question) }
}

extension ResourceID {
    /// The ``Debconf`` answer to `question`.
    public static func debconf(_ question: String) -> ResourceID { ResourceID(kind: "debconf", name: question) }
}

// MARK: Planning

extension Debconf {
    public static var stage: ConvergenceStage { .packageSetup }

    /// The package's answers as `debconf-show` lists them, then whether it is installed.
    /// Sorted, since debconf-show lists them in Perl's hash order, which changes from one
    /// run to the next, and a saved plan compares this output at apply time.
    var answers: ShellFact {
        let quoted = shellQuote(package)
        return ShellFact(
            name: "debconf:\(package)",
            command: "{ debconf-show \(quoted) 2>/dev/null || :; } | LC_ALL=C sort\nprintf 'dpkg-status %s\\n' \"$(dpkg-query -W -f '${Status}' \(quoted) 2>/dev/null)\"")
    }

    public func addFacts(to query: inout HostStateQuery) throws(PlanError) {
        guard PackageStatesFact.isValidName(package) else { throw .invalid(id, "not a valid Debian package name: \(package)") }
        guard !question.isEmpty, question.allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != ":" }) else {
            throw .invalid(id, "not a debconf question (owner/name): \(question)")
        }
        guard !value.contains(where: \.isNewline) else { throw .invalid(id, "an answer is one line") }
        if type == .boolean, value != "true", value != "false" { throw .invalid(id, "a boolean answer is true or false, not \(value)") }
        try query.add(answers, for: id)
    }

    public func plan(in context: inout PlanContext) throws(PlanError) {
        let output = try context.value(of: answers, for: id)
        var current: String?
        var installed = false
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            // `* question: value` (`*` once it was asked), or `dpkg-status install ok installed`.
            if line.hasPrefix("dpkg-status ") {
                installed = line.hasSuffix(" ok installed")
                continue
            }
            let trimmed = line.drop { $0 == " " || $0 == "*" }
            guard trimmed.hasPrefix(question + ":") else { continue }
            current = String(trimmed.dropFirst(question.count + 1).drop { $0 == " " })
        }
        guard current != value else { return }
        // debconf-set-selections reads `owner question type value`, the value being the rest of the line.
        var script = "printf '%s\\n' \(shellQuote("\(package) \(question) \(type.rawValue) \(value)")) | debconf-set-selections"
        if installed {
            script += "\nDEBIAN_FRONTEND=noninteractive dpkg-reconfigure -f noninteractive \(shellQuote(package))"
        }
        context.append(Change(
            resource: id, action: current == nil ? .create : .update,
            reason: (current.map { "answered \($0.isEmpty ? "(empty)" : $0)" } ?? "not answered")
                + (installed ? "; \(package) is reconfigured" : ""),
            fields: [FieldChange("answer", old: current, new: value)],
            operation: .shell(script)))
    }
}
