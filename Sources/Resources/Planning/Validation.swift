import Facts

// Checks of the values resources give, shared by the resource types and by the check of
// a saved plan's operations.

/// Refuses a mode with bits beyond the permission bits (`0o7777`).
package func validateMode(_ mode: UInt16?, of id: ResourceID) throws(PlanError) {
    if let mode, mode > 0o7777 { throw .invalid(id, "mode \(octal(mode)) is not a permission mode") }
}

package func validatePath(_ path: String, of id: ResourceID) throws(PlanError) {
    guard path.hasPrefix("/"), path != "/", !path.hasSuffix("/"), !path.contains("//") else {
        throw .invalid(id, "needs an absolute, normalized path other than /")
    }
    if path.split(separator: "/").contains(where: { $0 == ".." || $0 == "." }) {
        throw .invalid(id, "the path has a `.` or `..` component: write the path it means")
    }
    // A newline in a path is always a mistake (a missing quote, an unchecked var) and makes
    // every listing of the path ambiguous; NUL cannot be in a path at all.
    if let bad = path.unicodeScalars.first(where: { $0.value < 0x20 || $0.value == 0x7F }) {
        throw .invalid(id, "the path has a control character (U+\(String(bad.value, radix: 16, uppercase: true))), e.g. a newline")
    }
}

/// An owner or group as a playbook names it: a valid account name, or a numeric id.
package func validateOwner(_ name: String?, _ what: String, of id: ResourceID) throws(PlanError) {
    guard let name else { return }
    guard isValidAccountName(name) else { throw .invalid(id, "\(what) \"\(name)\" is not a valid user or group name") }
}

/// Whether an owner or group is a numeric id rather than a name.
package func isNumericID(_ name: String) -> Bool { !name.isEmpty && name.allSatisfy(\.isASCII) && name.allSatisfy(\.isNumber) }

package func validatePackageName(_ name: String, of id: ResourceID) throws(PlanError) {
    guard PackageStatesFact.isValidName(name) else { throw .invalid(id, "not a valid Debian package name") }
}

/// Whether `name` can name a file of apt's own directories (sources.list.d, preferences.d,
/// keyrings): letters, digits, `.`, `_`, `-`, not starting with a dot (apt skips those).
package func isAptFileName(_ name: String) -> Bool {
    !name.isEmpty && !name.hasPrefix(".") && name.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
}

package func validateAccountName(_ name: String, of id: ResourceID) throws(PlanError) {
    guard isValidAccountName(name) else { throw .invalid(id, "not a valid user or group name") }
}
