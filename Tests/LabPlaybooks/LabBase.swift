import Converge

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
}

/// Shell, apt and limits defaults every host shares.
let baseDefaults = Role("base-defaults") { host in
    File("/etc/apt/apt.conf.d/60-converge", content: """
        // Managed by converge: no recommends, keep going on a flaky mirror.
        APT::Install-Recommends "false";
        Acquire::Retries "3";

        """)
    File("/etc/security/limits.d/60-converge.conf", content: """
        # Managed by converge.
        *    soft    nofile    \(host.vars["nofile"].intValue ?? 65536)
        *    hard    nofile    \(host.vars["nofile"].intValue ?? 65536)

        """)
    File("/etc/profile.d/converge.sh", content: "# Managed by converge.\nexport CONVERGE_HOST='\(host.name)'\n")
    File("/etc/default/converge", content: "GROUPS='\(host.groups.joined(separator: " "))'\n")
    File("/etc/issue.net", content: "\(host.name) (Debian \(host.codename ?? "unknown")): authorized use only\n")
    Directory("/var/log/converge", owner: "root", group: "adm", mode: 0o2750)
    File("/var/log/converge/README", content: "converge writes nothing here yet; drift reports will.\n", group: "adm", mode: 0o640)
    Directory("/etc/cron.d", mode: 0o755)
    File("/etc/cron.d/converge-drift", content: """
        # Managed by converge: nightly drift report (needs cron).
        17 3 * * * root /usr/local/bin/converge-drift >/dev/null 2>&1

        """)
    Symlink("/usr/local/lib/converge-motd", target: "/etc/motd")
}

/// The kernel settings in the host's `sysctl` var (`{"net.core.somaxconn": 2048}`), each
/// kept in /etc/sysctl.d and set in the running kernel.
let kernel = Role("kernel") { host in
    for (key, value) in (host.vars["sysctl"].objectValue ?? [:]).sorted(by: { $0.key < $1.key }) {
        if let number = value.intValue {
            Sysctl(key, number)
        } else if let text = value.stringValue {
            Sysctl(key, text)
        }
    }
}

/// The users in the host's `logins` var (`[{"name": "tester", "keys": ["ssh-ed25519 …"],
/// "exclusive": false}]`), each with the keys it logs in with.
let logins = Role("logins") { host in
    for login in host.vars["logins"].arrayValue ?? [] {
        if let name = login["name"].stringValue {
            User(name, shell: "/bin/sh")
            AuthorizedKeys(name, keys: (login["keys"].arrayValue ?? []).compactMap(\.stringValue),
                           exclusive: login["exclusive"].boolValue ?? true)
        }
    }
}

/// The lab's own signed apt repository (`repository` var: its URI and armored key) as a
/// source, and a package from it.
let aptRepository = Role("apt-repository") { host in
    let repository = host.vars["repository"]
    if let uri = repository["uri"].stringValue, let key = repository["key"].stringValue {
        AptSource("converge-test", uris: [uri], suites: ["./"], components: [], key: .armored(key))
        AptPreference("converge-test", packages: ["converge-lab-hello"], pin: "version 1.0*", priority: 600)
        Package("converge-lab-hello", requires: [.aptSource("converge-test")])
    }
}

/// The debconf answers in the host's `debconf` var (`[{"package": "debconf", "question":
/// "debconf/frontend", "type": "select", "value": "Noninteractive"}]`).
let debconfAnswers = Role("debconf") { host in
    for answer in host.vars["debconf"].arrayValue ?? [] {
        if let package = answer["package"].stringValue, let question = answer["question"].stringValue,
            let value = answer["value"].stringValue
        {
            Debconf(package, question, type: Debconf.QuestionType(rawValue: answer["type"].stringValue ?? "string") ?? .string,
                    value: value)
        }
    }
}

/// A job on a schedule both ways: a systemd timer, and a cron.d file.
let scheduled = Role("scheduled") { host in
    SystemdTimer("converge-tick", onCalendar: host.vars["calendar"].stringValue ?? "*:0/30",
                 command: "date +%s > /var/tmp/converge-tick")
    CronJob("converge-tick", schedule: "*/30 * * * *", command: "date +%s > /var/tmp/converge-cron-tick")
}

/// Lines and a Block in files converge does not own whole: the test daemon's configuration,
/// which its package ships (installed in the same run, before the edit), and /etc/hosts.
/// Vars: `greeting`, `peers` (`["10.231.0.99 peer1"]`).
let edits = Role("edits") { host in
    Package("converge-test-daemon")
    Lines("/etc/converge-test-daemon.conf", [.line("greeting=\(host.vars["greeting"].stringValue ?? "bonjour")", replacing: "^#?greeting=")],
          requires: [.package("converge-test-daemon")], notifies: [.service("converge-test-daemon")])
    Service("converge-test-daemon", running: true, enabled: true, reload: true)
    Block("/etc/hosts", name: "lab peers", content: (host.vars["peers"].arrayValue ?? []).compactMap(\.stringValue).joined(separator: "\n"),
          after: "^127\\.")
}

/// Mounts: a tmpfs with a file on it, and a bind mount. Vars: `tmpfs_size` (`16m`),
/// `mounts` (`"absent"` to take both away).
let mounts = Role("mounts") { host in
    let absent = host.vars["mounts"].stringValue == "absent"
    if absent {
        Mount.absent("/mnt/converge-tmp")
        Mount.absent("/mnt/converge-bind")
    } else {
        Mount("/mnt/converge-tmp", device: "tmpfs", type: "tmpfs",
              options: ["size=\(host.vars["tmpfs_size"].stringValue ?? "16m")", "mode=0755"])
        File("/mnt/converge-tmp/hello", content: "on tmpfs\n")
        Directory("/srv/converge-bind-source", mode: 0o755)
        File("/srv/converge-bind-source/marker", content: "bound\n")
        Mount("/mnt/converge-bind", device: "/srv/converge-bind-source", type: "none", options: ["bind", "ro"],
              requires: [.directory("/srv/converge-bind-source")])
    }
}

/// A file whose change asks for a reboot (`marker` var: its text), and a command that runs
/// after the reboot, once: it records the boot it ran in.
let rebooting = Role("reboot") { host in
    if let marker = host.vars["marker"].stringValue {
        File("/etc/converge-reboot-marker", content: .text(marker + "\n"), notifies: [.reboot("marker")])
        Reboot("marker", timeout: host.vars["rebootTimeout"].intValue ?? 600)
        Command("after-reboot", "cat /proc/sys/kernel/random/boot_id > /var/tmp/converge-after-reboot",
                creates: "/var/tmp/converge-after-reboot", requires: [.reboot("marker")])
    }
}

/// converge-test-hello at the `helloVersion` var's version, held or not as the `hold` var
/// says (left as it is without one).
let holds = Role("holds") { host in
    Package("converge-test-hello", .version(host.vars["helloVersion"].stringValue ?? "2.0-1"), hold: host.vars["hold"].boolValue)
}

/// A restart gated by health checks: the test daemon's configuration (`greeting` var)
/// notifies it; the host is healthy when the daemon is active, its sshd accepts TCP
/// connections on its own address, and the lab's apt cache (the bridge's apt-cacher-ng,
/// which answers `/` with 406 and its usage page) answers from the host, through converge's
/// SSH connection. `health_port`: another port for that check (one nothing listens on
/// fails it).
let healthChecked = Role("health") { host in
    Package("converge-test-daemon")
    File("/etc/converge-test-daemon.conf", content: "greeting=\(host.vars["greeting"].stringValue ?? "hello")\n",
         notifies: [.service("converge-test-daemon")])
    Service("converge-test-daemon", running: true, enabled: true)
}
.healthChecks { host in
    let gateway = host.address.split(separator: ".").prefix(3).joined(separator: ".") + ".1"
    return [
        .command("systemctl is-active converge-test-daemon", tries: 5, interval: .milliseconds(200)),
        .tcp(port: 22, address: host.address, tries: 3, interval: .milliseconds(200)),
        .http(port: host.vars["health_port"].intValue ?? 3142, path: "/", address: gateway, status: 406,
              expecting: "Apt-Cacher NG", tries: 3, interval: .milliseconds(200)),
    ]
}
