import Facts
import Foundation

/// Debian's release table from distro-info-data (`debian.csv`): when each release came
/// out and when its regular, LTS and ELTS support end.
///
/// ``load(path:)`` prefers the controller's own, current copy and falls back to
/// ``embedded`` (distro-info-data ``embeddedDataVersion``).
public struct DistroInfo: Sendable, Equatable {
    /// One row of `debian.csv`. Dates are ISO 8601 days, `YYYY-MM-DD`.
    public struct Release: Sendable, Equatable {
        /// `version`, e.g. `8` or `6.0`; nil for sid and experimental.
        public var version: String?
        /// `codename`, capitalised, e.g. `Jessie`.
        public var codename: String
        /// `series`, the lowercase codename hosts report, e.g. `jessie`.
        public var series: String
        public var created: String?
        /// Release day; nil while the release is testing (or for sid).
        public var release: String?
        /// Last day of regular security support.
        public var eol: String?
        /// Last day of Debian LTS.
        public var eolLTS: String?
        /// Last day of Freexian's Extended LTS.
        public var eolELTS: String?

        public init(
            version: String?, codename: String, series: String, created: String?, release: String?,
            eol: String?, eolLTS: String?, eolELTS: String?
        ) {
            self.version = version
            self.codename = codename
            self.series = series
            self.created = created
            self.release = release
            self.eol = eol
            self.eolLTS = eolLTS
            self.eolELTS = eolELTS
        }

        /// The major version, e.g. 8 for `8` and 6 for `6.0`.
        public var majorVersion: Int? { version.flatMap { Int($0.prefix { $0 != "." }) } }
    }

    /// The standard path of distro-info-data's table.
    public static let systemPath = "/usr/share/distro-info/debian.csv"

    public var releases: [Release]
    /// Where the table came from, e.g. `/usr/share/distro-info/debian.csv` or
    /// `embedded distro-info-data 0.58+deb12u7`; shown in reports.
    public var source: String

    public init(releases: [Release], source: String) {
        self.releases = releases
        self.source = source
    }

    /// Reads a `debian.csv`. Columns are found by the header's names, so older files
    /// without `eol-lts`/`eol-elts` and newer files with more columns both read.
    ///
    /// - Throws: ``DistroInfoError`` when the header lacks a required column or a
    ///   row or date is malformed.
    public init(csv: String, source: String) throws(DistroInfoError) {
        var lines = csv.split(separator: "\n", omittingEmptySubsequences: true)
            .map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        guard !lines.isEmpty else { throw DistroInfoError("\(source): empty") }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        func column(_ name: String) -> Int? { header.firstIndex(of: name) }
        guard let versionColumn = column("version"), let codenameColumn = column("codename"),
            let seriesColumn = column("series"), let releaseColumn = column("release"),
            let eolColumn = column("eol")
        else { throw DistroInfoError("\(source): header lacks version, codename, series, release or eol: \(header)") }
        let createdColumn = column("created")
        let ltsColumn = column("eol-lts")
        let eltsColumn = column("eol-elts")

        var releases: [Release] = []
        for (number, line) in lines.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            func field(_ index: Int?) -> String? {
                guard let index, index < fields.count, !fields[index].isEmpty else { return nil }
                return fields[index]
            }
            func date(_ index: Int?) throws(DistroInfoError) -> String? {
                guard let value = field(index) else { return nil }
                guard isISODay(value) else {
                    throw DistroInfoError("\(source): line \(number + 2): not a YYYY-MM-DD date: \(value)")
                }
                return value
            }
            guard let series = field(seriesColumn) else {
                throw DistroInfoError("\(source): line \(number + 2): no series: \(line)")
            }
            releases.append(Release(
                version: field(versionColumn), codename: field(codenameColumn) ?? series, series: series,
                created: try date(createdColumn), release: try date(releaseColumn), eol: try date(eolColumn),
                eolLTS: try date(ltsColumn), eolELTS: try date(eltsColumn)))
        }
        self.init(releases: releases, source: source)
    }

    /// The table embedded in converge: distro-info-data ``embeddedDataVersion``.
    public static let embedded: DistroInfo = {
        do {
            return try DistroInfo(csv: embeddedCSV, source: "embedded distro-info-data \(embeddedDataVersion)")
        } catch {
            // The literal is part of the source and tested; a failure here is a build mistake.
            fatalError("embedded debian.csv does not parse: \(error)")
        }
    }()

    /// The controller's table at `path` when it is readable and parses, else ``embedded``:
    /// a controller with a newer distro-info-data knows of newer releases and dates.
    public static func load(path: String = systemPath) -> DistroInfo {
        guard let data = FileManager.default.contents(atPath: path),
            let text = String(data: data, encoding: .utf8),
            let table = try? DistroInfo(csv: text, source: path)
        else { return embedded }
        return table
    }

    /// The row of a host's release: by codename (series), else by major version;
    /// nil for a release the table does not know or a non-Debian system.
    public func release(for hostRelease: DebianRelease) -> Release? {
        if let id = hostRelease.id, id != "debian" { return nil }
        if let codename = hostRelease.codename?.lowercased(),
            let row = releases.first(where: { $0.series == codename })
        {
            return row
        }
        guard let major = hostRelease.majorVersion else { return nil }
        return releases.first { $0.majorVersion == major }
    }

    /// The support status of a host's release on `date` (its UTC day).
    public func support(for hostRelease: DebianRelease, on date: Date) -> SupportAssessment {
        guard let row = release(for: hostRelease) else {
            return SupportAssessment(status: .unknown, release: nil)
        }
        return SupportAssessment(row, on: isoDay(date))
    }
}

/// A `debian.csv` that cannot be read.
public struct DistroInfoError: Error, Equatable, Sendable, CustomStringConvertible {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// Where a host's Debian release stands in Debian's support cycle on the sweep's day.
public enum SupportStatus: String, Codable, Sendable, CaseIterable {
    /// Regular security support by the Debian security team (up to and including `eol`).
    case supported
    /// Past `eol`, up to and including `eol-lts`: only Debian LTS fixes, for fewer packages.
    case lts
    /// Past `eol-lts`, up to and including `eol-elts`: only Freexian's paid Extended LTS.
    /// Debian itself no longer supports it, so converge counts it as end of life.
    case elts
    /// Past every support date.
    case endOfLife = "end-of-life"
    /// Not released yet: testing or unstable, which get no security support.
    case unreleased
    /// The release is not in distro-info-data (an older table, or not Debian).
    case unknown

    /// Whether Debian itself no longer supports the release: ``elts`` or ``endOfLife``.
    /// Such a host is flagged and counts as drift; see ``DriftReport/hasDrift``.
    public var isPastLTS: Bool { self == .elts || self == .endOfLife }
}

/// A host's ``SupportStatus`` with the dates it was judged by.
public struct SupportAssessment: Codable, Sendable, Equatable {
    public var status: SupportStatus
    /// The release as distro-info-data names it, e.g. `Debian 8 (jessie)`; nil when unknown.
    public var release: String?
    /// The support dates (`YYYY-MM-DD`) of the release, when known.
    public var eol: String?
    public var eolLTS: String?
    public var eolELTS: String?

    public init(
        status: SupportStatus, release: String?, eol: String? = nil, eolLTS: String? = nil,
        eolELTS: String? = nil
    ) {
        self.status = status
        self.release = release
        self.eol = eol
        self.eolLTS = eolLTS
        self.eolELTS = eolELTS
    }

    /// Judges `row` on `day` (`YYYY-MM-DD`). A support date is the last day of that
    /// support, as distro-info's `--supported` counts it. ISO days compare as strings.
    init(_ row: DistroInfo.Release, on day: String) {
        let name = row.version.map { "Debian \($0) (\(row.series))" } ?? "Debian \(row.series)"
        let status: SupportStatus =
            if row.release.map({ day < $0 }) ?? true {
                .unreleased
            } else if row.eol.map({ day <= $0 }) ?? true {
                .supported
            } else if let lts = row.eolLTS, day <= lts {
                .lts
            } else if let elts = row.eolELTS, day <= elts {
                .elts
            } else {
                .endOfLife
            }
        self.init(status: status, release: name, eol: row.eol, eolLTS: row.eolLTS, eolELTS: row.eolELTS)
    }

    /// A few words without the release's name, e.g. `LTS only until 2028-06-30`,
    /// `past Debian LTS, ELTS only until 2027-06-30`, `end of life since 2025-06-30`.
    public var brief: String {
        switch status {
        case .supported: eol.map { "supported until \($0)" } ?? "supported"
        case .lts: eolLTS.map { "LTS only until \($0)" } ?? "LTS only"
        case .elts: eolELTS.map { "past Debian LTS, ELTS only until \($0)" } ?? "past Debian LTS, ELTS only"
        case .endOfLife: [eolELTS, eolLTS, eol].compactMap { $0 }.first.map { "end of life since \($0)" } ?? "end of life"
        case .unreleased: "not released, no security support"
        case .unknown: "support unknown"
        }
    }

    /// One line for reports, e.g. `Debian 9 (stretch): past Debian LTS (ended 2022-06-30), ELTS only until 2027-06-30`.
    public var summary: String {
        let name = release ?? "release"
        switch status {
        case .supported:
            return eol.map { "\(name): supported until \($0)" } ?? "\(name): supported"
        case .lts:
            let until = eolLTS.map { " until \($0)" } ?? ""
            return "\(name): LTS only\(until) (regular security support ended \(eol ?? "?"))"
        case .elts:
            return "\(name): past Debian LTS (ended \(eolLTS ?? "?")), Freexian ELTS only until \(eolELTS ?? "?")"
        case .endOfLife:
            let last = [eolELTS, eolLTS, eol].compactMap { $0 }.first
            return "\(name): end of life, all support ended \(last ?? "?")"
        case .unreleased:
            return "\(name): not released (testing or unstable), no security support"
        case .unknown:
            return "release not in distro-info-data, support unknown"
        }
    }
}

/// The UTC day of `date`, `YYYY-MM-DD`.
func isoDay(_ date: Date) -> String {
    var calendar = Calendar(identifier: .gregorian)
    calendar.timeZone = TimeZone(identifier: "UTC")!
    let parts = calendar.dateComponents([.year, .month, .day], from: date)
    return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
}

private func isISODay(_ text: String) -> Bool {
    let scalars = Array(text.unicodeScalars)
    guard scalars.count == 10, scalars[4] == "-", scalars[7] == "-" else { return false }
    return scalars.enumerated().allSatisfy { index, scalar in
        index == 4 || index == 7 || ("0"..."9").contains(scalar)
    }
}
