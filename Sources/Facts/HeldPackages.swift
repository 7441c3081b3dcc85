/// The installed packages dpkg holds (selection `hold`, as `apt-mark hold` sets it), by
/// apt's name (`libc6`, `libc6:i386` for a foreign architecture), as ``AptPolicyFact``
/// names them. apt never upgrades them, and neither does converge's package baseline.
public struct HeldPackagesFact: Fact {
    public init() {}

    public var command: String {
        // ${Status} is want, error flag, state: `hold ok installed`.
        #"dpkg-query -W -f '${Status} ${binary:Package}\n' | awk '$1 == "hold" && $2 == "ok" && $3 != "not-installed" && $3 != "config-files" { print $4 }'"#
    }

    public func parse(_ output: String) throws -> Set<String> {
        Set(output.split(separator: "\n").map { String($0.trimmingWhitespace()) }.filter { !$0.isEmpty })
    }
}
