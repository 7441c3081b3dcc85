import Facts

// What the types that manage a path (File, Directory, Symlink) plan alike.
extension PlanContext {
    /// The owner, group and mode that differ from `current`, with reasons and fields.
    func attributeChanges(
        owner: String?, group: String?, mode: UInt16?, current: PathState, reasons: inout [String],
        fields: inout [FieldChange]
    ) -> (owner: String?, group: String?, mode: UInt16?) {
        var result: (owner: String?, group: String?, mode: UInt16?) = (nil, nil, nil)
        let currentOwner = current.owner ?? String(current.uid)
        let currentGroup = current.group ?? String(current.gid)
        if let owner, owner != currentOwner, owner != String(current.uid) {
            reasons.append("owner \(currentOwner), want \(owner)")
            fields.append(FieldChange("owner", old: currentOwner, new: owner))
            result.owner = owner
        }
        if let group, group != currentGroup, group != String(current.gid) {
            reasons.append("group \(currentGroup), want \(group)")
            fields.append(FieldChange("group", old: currentGroup, new: group))
            result.group = group
        }
        if let mode, mode != current.mode {
            reasons.append("mode \(octal(current.mode)), want \(octal(mode))")
            fields.append(FieldChange("mode", old: octal(current.mode), new: octal(mode)))
            result.mode = mode
        }
        return result
    }

    /// A path that must be absent and is, yet a package this plan installs first (one the
    /// resource requires) may create it: removed after that install, to be sure.
    mutating func planRemovalAfterInstall(_ resource: any Resource, recursive: Bool) {
        guard let path = resource.managedPath, let installer = firstChanged(among: resource.requires) else { return }
        append(Change(
            resource: resource.id, action: .remove, reason: "absent now; removed if \(installer) creates it",
            operation: .removePath(path: path, recursive: recursive)))
    }

    /// A path's owner and group must exist on the host, be declared by the host's resources,
    /// or come with a package the resource requires that this plan installs first.
    func checkAccounts(owner: String?, group: String?, of resource: any Resource) throws(PlanError) {
        let deferred = firstChanged(among: resource.requires) != nil
        if let owner, !isNumericID(owner), owner != "root", state.users[owner] == nil, !declares(.user(owner)), !deferred {
            throw .invalid(resource.id, "owner \"\(owner)\" does not exist on the host: declare User(\"\(owner)\"), "
                + "or require the package that creates it (requires: [.package(...)])")
        }
        if let group, !isNumericID(group), group != "root", state.groups[group] == nil, !declares(.group(group)) && !declares(.user(group)), !deferred {
            throw .invalid(resource.id, "group \"\(group)\" does not exist on the host: declare Group(\"\(group)\"), "
                + "or require the package that creates it (requires: [.package(...)])")
        }
    }
}
