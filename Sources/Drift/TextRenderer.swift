import Foundation

extension DriftReport {
    /// The report for a terminal or a mail: hosts (release, support, drift), then groups
    /// (discrepancies), then what was resolved, then a summary line.
    ///
    /// - Parameter colored: Whether to use ANSI colours; the caller decides, e.g. by
    ///   `isatty(STDOUT_FILENO)`. Control characters in host-supplied text are escaped
    ///   either way, so a hostile file content cannot drive the terminal.
    public func text(colored: Bool = false) -> String {
        TextRenderer(report: self, style: TextStyle(colored: colored)).render()
    }
}

/// ANSI styling, or none.
struct TextStyle {
    var colored: Bool

    func apply(_ code: String, _ text: String) -> String { colored ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func bold(_ text: String) -> String { apply("1", text) }
    func dim(_ text: String) -> String { apply("2", text) }
    func red(_ text: String) -> String { apply("31", text) }
    func green(_ text: String) -> String { apply("32", text) }
    func yellow(_ text: String) -> String { apply("33", text) }
    func cyan(_ text: String) -> String { apply("36", text) }
}

private struct TextRenderer {
    let report: DriftReport
    let style: TextStyle

    func render() -> String {
        var lines: [String] = []
        let newKeys = Set(report.findings.lazy.filter(\.isNew).map(\.key))
        func new(_ key: String) -> String { newKeys.contains(key) ? " " + style.bold(style.yellow("NEW")) : "" }

        let summary = report.summary
        lines.append(style.bold("converge drift") + ": \(summary.hosts) hosts, swept \(timestamp(report.sweptAt)) in \(seconds(report.duration))")
        lines.append(style.dim("support dates from \(safe(report.supportDataSource))"))

        lines.append("")
        lines.append(style.bold("Hosts"))
        for host in report.hosts {
            let where_ = "(\(safe(host.address))" + (host.groups.isEmpty ? "" : "; " + host.groups.map(safe).joined(separator: ", ")) + ")"
            switch host.status {
            case .unreachable, .failed:
                let label = host.status == .unreachable ? "UNREACHABLE" : "FAILED"
                let key = "\(host.status.rawValue)/\(host.name)"
                lines.append("  \(style.bold(safe(host.name))) \(where_)  \(style.red(label)): \(safe(host.error ?? ""))\(new(key))")
                continue
            case .swept:
                break
            }
            let kernel = host.kernel.map { ", kernel \(safe($0.release))" } ?? ""
            lines.append("  \(style.bold(safe(host.name))) \(where_)  \(safe(host.release?.name ?? "unknown release"))\(kernel)")
            if let support = host.support {
                let text = "support: \(safe(support.summary))"
                let colored =
                    switch support.status {
                    case .supported: style.green(text)
                    case .lts, .unreleased, .unknown: style.yellow(text)
                    case .elts, .endOfLife: style.red(text)
                    }
                lines.append("    \(colored)\(new("support/\(host.name)"))")
            }
            if host.drift.isEmpty {
                lines.append("    " + style.green("no drift"))
            } else {
                lines.append("    " + style.red("\(host.drift.count) drifted resource\(host.drift.count == 1 ? "" : "s"):"))
                for drift in host.drift {
                    lines.append("      \(style.bold(safe(drift.resource))): \(safe(drift.reason))\(new("drift/\(host.name)/\(drift.resource)"))")
                    for field in drift.fields {
                        lines.append("        \(safe(field.field)): expected \(value(field.expected)), actual \(value(field.actual))")
                    }
                }
            }
        }

        lines.append("")
        lines.append(style.bold("Groups"))
        for group in report.groups {
            let swept = group.hosts.filter { !group.unswept.contains($0) }
            var header = "  \(style.bold(safe(group.name))): \(swept.map(safe).joined(separator: ", "))"
            if !group.unswept.isEmpty {
                header += style.dim(" (not swept: \(group.unswept.map(safe).joined(separator: ", ")))")
            }
            lines.append(header)
            if swept.count < 2 {
                lines.append("    " + style.dim("fewer than two hosts swept, nothing to compare"))
                continue
            }
            if group.discrepancyCount == 0 {
                lines.append("    " + style.green("no discrepancies") + style.dim(" (\(safe(group.releases.first?.release ?? "")))"))
                continue
            }
            if group.hasReleaseDiscrepancy {
                let kind = group.hasMajorReleaseDiscrepancy ? "releases differ" : "point releases differ"
                lines.append("    " + style.red(kind + ":") + new("release/\(group.name)"))
                let width = group.releases.map(\.release.count).max() ?? 0
                for variant in group.releases {
                    lines.append("      \(pad(safe(variant.release), width))  \(names(variant.hosts))")
                }
            }
            if group.hasKernelDiscrepancy {
                lines.append("    " + style.yellow("kernels differ:") + new("kernel/\(group.name)"))
                let width = group.kernels.map(\.release.count).max() ?? 0
                for variant in group.kernels {
                    lines.append("      \(pad(safe(variant.release), width))  \(names(variant.hosts))  \(style.dim(safe(variant.version)))")
                }
            }
            if !group.packageVersions.isEmpty {
                lines.append("    " + style.yellow("package versions differ (\(group.packageVersions.count)):"))
                let width = group.packageVersions.map(\.package.count).max() ?? 0
                for package in group.packageVersions {
                    let versions = package.versions
                        .map { "\(style.cyan(safe($0.version))) on \(names($0.hosts))" }
                        .joined(separator: "; ")
                    lines.append("      \(pad(safe(package.package), width))  \(versions)\(new("package-version/\(group.name)/\(package.package)"))")
                }
            }
            if !group.missingPackages.isEmpty {
                lines.append("    " + style.yellow("packages missing on some hosts (\(group.missingPackages.count)):"))
                let width = group.missingPackages.map(\.package.count).max() ?? 0
                for package in group.missingPackages {
                    lines.append("      \(pad(safe(package.package), width))  missing on \(names(package.missingOn))"
                        + style.dim(" (installed on \(names(package.installedOn)))")
                        + new("package-missing/\(group.name)/\(package.package)"))
                }
            }
        }

        if report.isComparedWithHistory {
            lines.append("")
            lines.append(style.bold("Resolved since the last sweep (\(report.resolved.count))"))
            if report.resolved.isEmpty { lines.append("  " + style.dim("nothing")) }
            for finding in report.resolved {
                lines.append("  \(style.green("✓")) \(safe(finding.summary)) \(style.dim("[\(safe(finding.key))]"))")
            }
        }

        lines.append("")
        lines.append(summaryLine(summary))
        return lines.joined(separator: "\n") + "\n"
    }

    func summaryLine(_ summary: Summary) -> String {
        var parts: [String] = []
        parts.append("\(summary.driftedResources) drifted resource\(plural(summary.driftedResources)) on \(summary.hostsWithDrift) host\(plural(summary.hostsWithDrift))")
        parts.append("\(summary.discrepancies) discrepanc\(summary.discrepancies == 1 ? "y" : "ies") in \(report.groups.count) group\(plural(report.groups.count))")
        parts.append("\(summary.endOfLifeHosts) host\(plural(summary.endOfLifeHosts)) past Debian LTS")
        if summary.ltsHosts > 0 { parts.append("\(summary.ltsHosts) in LTS only") }
        parts.append("\(summary.unreachable) unreachable")
        if summary.failed > 0 { parts.append("\(summary.failed) failed") }
        var line = parts.joined(separator: ", ")
        if report.isComparedWithHistory {
            line += "; \(summary.newFindings) new, \(summary.resolvedFindings) resolved since the last sweep"
        }
        let verdict =
            switch report.exitStatus {
            case .clean: style.green("no drift")
            case .drift: style.red("drift found")
            case .unreachable, .error:
                report.hasDrift ? style.red("drift found, hosts not swept") : style.red("hosts not swept")
            }
        return "\(style.bold("Summary")): \(verdict): \(line)."
    }

    func names(_ hosts: [String]) -> String { hosts.map(safe).joined(separator: ", ") }

    /// A field value on one line: quoted, escaped, at most 100 characters; `(none)` for nil.
    func value(_ text: String?) -> String {
        guard let text else { return style.dim("(none)") }
        var shown = escaped(text)
        if shown.count > 100 { shown = String(shown.prefix(100)) + "…" }
        return "\"\(shown)\""
    }

    func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}

private func plural(_ count: Int) -> String { count == 1 ? "" : "s" }

/// `text` with control characters (and backslashes, so nothing is ambiguous) escaped
/// like Swift literals: `\n`, `\t`, `\u{1B}`.
func escaped(_ text: String) -> String {
    var result = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\n": result += "\\n"
        case "\t": result += "\\t"
        case "\r": result += "\\r"
        case "\\": result += "\\\\"
        case "\"": result += "\\\""
        default:
            if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            } else {
                result.unicodeScalars.append(scalar)
            }
        }
    }
    return result
}

/// `text` with control characters escaped and nothing else changed, for names and messages.
func safe(_ text: String) -> String {
    guard text.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) else {
        return text
    }
    var result = ""
    for scalar in text.unicodeScalars {
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
            result += scalar == "\n" ? "\\n" : scalar == "\t" ? "\\t" : "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
        } else {
            result.unicodeScalars.append(scalar)
        }
    }
    return result
}

/// `2026-01-15 12:00:00 UTC`.
func timestamp(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
    return String(
        format: "%04d-%02d-%02d %02d:%02d:%02d UTC",
        c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
}

/// `12.5 s`, `3 min 4 s`.
func seconds(_ duration: Double) -> String {
    if duration < 60 { return String(format: "%.1f s", duration) }
    let whole = Int(duration.rounded())
    return "\(whole / 60) min \(whole % 60) s"
}
