import Testing

@testable import Facts

@Suite struct DebianReleaseTests {
    @Test(arguments: Release.all)
    func readsEachRelease(_ release: Release) throws {
        let value = DebianReleaseFact().parse(try release.releaseOutput())
        #expect(value.id == "debian")
        #expect(value.versionID == release.versionID)
        #expect(value.codename == release.name)
        #expect(value.pointRelease == release.pointRelease)
        #expect(value.debianVersion == release.pointRelease)
        #expect(value.majorVersion == release.majorVersion)
        #expect(value.prettyName == "Debian GNU/Linux \(release.majorVersion) (\(release.name))")
    }

    @Test func takesTheCodenameFromVersionWhenVersionCodenameIsMissing() throws {
        let jessie = try Fixture.text("jessie/os-release")
        #expect(!jessie.contains("VERSION_CODENAME"))
        #expect(parseOSRelease(jessie)["VERSION"] == "8 (jessie)")
        // Early stretch point releases had no VERSION_CODENAME either.
        let stretch = DebianRelease(
            osRelease: ["ID": "debian", "VERSION_ID": "9", "VERSION": "9 (stretch)"],
            debianVersion: "9.4")
        #expect(stretch.codename == "stretch")
        #expect(stretch.pointRelease == "9.4")
    }

    @Test func readsTestingAndUnstable() {
        // sid's os-release: no VERSION_ID and no VERSION.
        let output = """
            PRETTY_NAME="Debian GNU/Linux trixie/sid"
            NAME="Debian GNU/Linux"
            VERSION_CODENAME=trixie
            ID=debian

            CONVERGE_DEBIAN_VERSION=trixie/sid

            """
        let release = DebianReleaseFact().parse(output)
        #expect(release.codename == "trixie")
        #expect(release.versionID == nil)
        #expect(release.debianVersion == "trixie/sid")
        #expect(release.pointRelease == nil)
        #expect(release.majorVersion == nil)

        let bare = DebianRelease(osRelease: [:], debianVersion: "forky/sid")
        #expect(bare.codename == "forky")
    }

    @Test func readsAHostWithoutOSRelease() {
        // The command prints only the blank separator and the debian_version line.
        let release = DebianReleaseFact().parse("\nCONVERGE_DEBIAN_VERSION=7.11\n")
        #expect(release.id == nil)
        #expect(release.pointRelease == "7.11")
        #expect(release.majorVersion == 7)
        #expect(release.codename == "wheezy")
    }

    @Test func readsAHostWithNeitherFile() {
        #expect(
            DebianReleaseFact().parse("\n")
                == DebianRelease(
                    id: nil, versionID: nil, codename: nil, prettyName: nil,
                    debianVersion: nil, pointRelease: nil, majorVersion: nil))
    }

    @Test func takesThePointReleaseFromDebianVersionFullWithoutDebianVersion() {
        let release = DebianRelease(
            osRelease: ["ID": "debian", "VERSION_ID": "13", "DEBIAN_VERSION_FULL": "13.1"],
            debianVersion: nil)
        #expect(release.pointRelease == "13.1")
        #expect(release.codename == "trixie")
    }

    @Test func leavesOtherDistributionsCodenamesAlone() {
        let release = DebianRelease(
            osRelease: [
                "ID": "ubuntu", "VERSION_ID": "22.04",
                "VERSION": "22.04.5 LTS (Jammy Jellyfish)",
            ],
            debianVersion: "bookworm/sid")
        #expect(release.codename == nil)
        #expect(release.majorVersion == nil)
        #expect(release.pointRelease == nil)
    }

    @Test func parsesOSReleaseQuoting() {
        let fields = parseOSRelease(
            #"""
            # a comment
            PRETTY_NAME='single quoted'
            QUOTED="a \"b\" \$c \\ d"
            BARE=plain\ word
              SPACED = ignored
            not a field
            EMPTY=
            CRLF="yes"\#r

            """#)
        #expect(fields["PRETTY_NAME"] == "single quoted")
        #expect(fields["QUOTED"] == #"a "b" $c \ d"#)
        #expect(fields["BARE"] == "plain word")
        #expect(fields["EMPTY"] == "")
        #expect(fields["CRLF"] == "yes")
        #expect(fields.count == 5)
    }
}
