extension Inventory {
    /// One server of the fleet, with everything it inherits already applied.
    public struct Host: Sendable, Hashable {
        /// The host's unique name (`name`), used in selectors and output.
        public let name: String
        /// The IP address or DNS name to connect to (`address`).
        public let address: String
        /// The groups the host lists (`groups`), in its order. They need not be
        /// declared under the inventory's `groups`.
        public let groups: [String]
        /// The effective roles: each group's roles in the host's group order, then the
        /// host's own, each role once, at its first position.
        public let roles: [String]
        /// The effective vars: the top-level `vars`, then each group's in the host's
        /// group order, then the host's own, merged shallowly by key.
        public let vars: JSONObject
        /// The effective SSH settings.
        public let ssh: SSHSettings
        /// Where the host's object is written in the inventory file.
        public let declaration: SourceRange

        /// Creates a host. The loader resolves these values; this is for tests and tools.
        public init(
            name: String, address: String, groups: [String], roles: [String], vars: JSONObject,
            ssh: SSHSettings, declaration: SourceRange
        ) {
            self.name = name
            self.address = address
            self.groups = groups
            self.roles = roles
            self.vars = vars
            self.ssh = ssh
            self.declaration = declaration
        }
    }

    /// A named set of hosts that share vars, roles and SSH settings.
    ///
    /// Membership is declared on the hosts (their `groups` lists), not on the group.
    /// A group that hosts name but the inventory does not declare is *implicit*: it
    /// has no vars, roles or settings, and its ``declaration`` is nil.
    public struct Group: Sendable, Hashable {
        /// The group's name.
        public let name: String
        /// The group's own vars (`vars`).
        public let vars: JSONObject
        /// The group's own roles (`roles`), in order.
        public let roles: [String]
        /// The SSH settings the group sets (`ssh`).
        public let ssh: SSHOverrides
        /// Where the group's object is written, or nil for an implicit group.
        public let declaration: SourceRange?

        /// Creates a group.
        public init(name: String, vars: JSONObject, roles: [String], ssh: SSHOverrides, declaration: SourceRange?) {
            self.name = name
            self.vars = vars
            self.roles = roles
            self.ssh = ssh
            self.declaration = declaration
        }
    }

}
