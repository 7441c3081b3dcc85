import Resources

/// What every host of the fleet has: a message of the day naming the host, kernel
/// settings, an operations group and user, and converge's own directory.
let base = Role("base") { host in
    File("/etc/motd", content: """
        \(host.name): managed by converge. Local changes are overwritten.
        Groups: \(host.groups.joined(separator: ", "))

        """)
    File("/etc/sysctl.d/60-converge.conf", content: """
        # Managed by converge.
        net.core.somaxconn = \(host.vars["somaxconn"].intValue ?? 4096)
        vm.swappiness = 10

        """)
    Group("ops", system: true)
    User("ops", group: "ops", home: "/var/lib/ops", shell: "/bin/sh", system: true)
    Directory("/etc/converge", owner: "root", group: "root", mode: 0o755)
    File("/etc/converge/host", content: "name=\(host.name)\nrelease=\(host.codename ?? "unknown")\n", mode: 0o644)
    Directory("/var/lib/ops/notes", owner: "ops", group: "ops", mode: 0o750)
    Symlink("/etc/converge/motd", target: "/etc/motd")
    Package("converge-test-hello", .absent)
}
