/// Debian's releases in order, and how a host's apt sources name them: what a release
/// upgrade rewrites, one release at a time, as Debian supports.
public enum DebianSuites {
    /// The releases converge knows, oldest first.
    public static let releases = ["squeeze", "wheezy", "jessie", "stretch", "buster", "bullseye", "bookworm", "trixie", "forky", "duke"]

    /// Releases moved off the mirrors to archive.debian.org: their security archive too,
    /// and their `-updates` suite is gone (apt then needs `Check-Valid-Until` off, as their
    /// Release files have expired).
    public static let archived: Set<String> = ["squeeze", "wheezy", "jessie", "stretch", "buster"]

    /// The release after `codename`, if converge knows one.
    public static func release(after codename: String) -> String? {
        guard let index = releases.firstIndex(of: codename), index + 1 < releases.count else { return nil }
        return releases[index + 1]
    }

    /// Whether `codename` comes before `other` (both known).
    public static func isRelease(_ codename: String, before other: String) -> Bool {
        guard let first = releases.firstIndex(of: codename), let second = releases.firstIndex(of: other) else { return false }
        return first < second
    }

    /// The releases a host on `codename` goes through to reach `target`, one at a time:
    /// `bullseye` to `trixie` is `[bookworm, trixie]`; empty when it is there or past it.
    public static func path(from codename: String, to target: String) -> [String] {
        guard let first = releases.firstIndex(of: codename), let last = releases.firstIndex(of: target), first < last else { return [] }
        return Array(releases[(first + 1)...last])
    }

    /// The security archive's suite of `codename`: `bookworm-security` from bullseye on,
    /// `stretch/updates` before.
    public static func securitySuite(of codename: String) -> String {
        isRelease(codename, before: "bullseye") ? codename + "/updates" : codename + "-security"
    }

    /// An awk program that rewrites one apt sources file from release `from` to `to`, on
    /// standard output: one-line entries (`deb [options] URI SUITE COMPONENT...`) and deb822
    /// stanzas (`URIs:`, `Suites:`) alike. Each suite of `from` becomes its counterpart of
    /// `to` (`from/updates` and `from-security` the new security suite); a suite `to` does
    /// not have (`-updates` of an archived release) is dropped, a one-line entry commented
    /// out. Debian's mirrors become archive.debian.org when `to` is archived, and back when
    /// it is not. Other suites (a third party's, `stable`) are kept as they are.
    ///
    /// The file's kind comes from the awk variable `deb822` (1 for a `.sources` file).
    public static func rewriteProgram(from: String, to: String) -> String {
        let toArchive = archived.contains(to)
        let security = securitySuite(of: to)
        let mirror = #"^https?://(deb|ftp[.a-z0-9]*|httpredir|cdn-fastly[.]deb)[.]debian[.]org/debian/?$"#
        let securityMirror = #"^https?://(security|deb)[.]debian[.]org(/debian-security)?/?$"#
        let archiveMirror = #"^https?://archive[.]debian[.]org/debian/?$"#
        let archiveSecurity = #"^https?://archive[.]debian[.]org/debian-security/?$"#
        let uri = toArchive
            ? """
                if (u ~ "\(securityMirror)") return "http://archive.debian.org/debian-security/"
                \tif (u ~ "\(mirror)") return "http://archive.debian.org/debian/"
                """
            : """
                if (u ~ "\(archiveSecurity)") return "http://security.debian.org/debian-security/"
                \tif (u ~ "\(archiveMirror)") return "http://deb.debian.org/debian/"
                """
        return """
            function suite(s) {
            \tif (s == "\(from)") return "\(to)"
            \tif (s == "\(from)/updates" || s == "\(from)-security") return "\(security)"
            \tif (s == "\(from)-updates") return \(toArchive ? #""""# : #""\#(to)-updates""#)
            \tif (s == "\(from)-backports") return "\(to)-backports"
            \tif (s == "\(from)-proposed-updates") return "\(to)-proposed-updates"
            \treturn s
            }
            function uri(u) {
            \t\(uri)
            \treturn u
            }
            deb822 && /^[Ss]uites:/ {
            \tline = "Suites:"
            \tfor (i = 2; i <= NF; i++) { s = suite($i); if (s != "") line = line " " s }
            \tprint line
            \tnext
            }
            deb822 && /^URIs:/ {
            \tline = "URIs:"
            \tfor (i = 2; i <= NF; i++) line = line " " uri($i)
            \tprint line
            \tnext
            }
            !deb822 && ($1 == "deb" || $1 == "deb-src") {
            \ti = 2
            \tif ($i ~ /^\\[/) { while (i < NF && $i !~ /\\]$/) i++; i++ }
            \tif (i + 1 > NF) { print; next }
            \ts = suite($(i + 1))
            \tif (s == "") { print "# " $0 " # converge: \(to) has no " $(i + 1) " suite"; next }
            \t$i = uri($i)
            \t$(i + 1) = s
            \tprint
            \tnext
            }
            { print }
            """
    }

    /// Shell that writes every apt sources file of the host (`/etc/apt/sources.list` and
    /// `sources.list.d/*.list`, `*.sources`), rewritten from `from` to `to`
    /// (``rewriteProgram(from:to:)``), under the directory in `$converge_into` (as
    /// `sources.list` and `sources.list.d/NAME`).
    public static func rewriteCommand(from: String, to: String) -> String {
        let program = "'" + rewriteProgram(from: from, to: to).replacingOccurrences(of: "'", with: #"'\''"#) + "'"
        return """
            # shellcheck disable=SC2016 # awk's fields, not the shell's
            converge_awk=\(program)
            mkdir -p "$converge_into/sources.list.d"
            : >"$converge_into/sources.list"
            if [ -f /etc/apt/sources.list ]; then awk -v deb822=0 "$converge_awk" /etc/apt/sources.list >"$converge_into/sources.list" || exit 1; fi
            for converge_f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
            \t[ -f "$converge_f" ] || continue
            \tcase $converge_f in *.sources) converge_822=1 ;; *) converge_822=0 ;; esac
            \tawk -v deb822="$converge_822" "$converge_awk" "$converge_f" >"$converge_into/sources.list.d/${converge_f##*/}" || exit 1
            done
            """
    }
}
