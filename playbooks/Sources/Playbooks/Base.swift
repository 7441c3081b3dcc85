import Converge

/// What every host of the fleet has: the admins' accounts and keys, a hardened sshd,
/// fail2ban banning addresses that fail SSH logins, exim relaying the host's mail, the
/// node exporter for the monitoring server, time sync, log rotation and kernel network
/// settings.
///
/// Vars: `admins` (`[{"name": "alice", "keys": ["ssh-ed25519 …"]}]`, or `"keyFile"`: a
/// public key file on the controller), `admin_networks` (`["192.0.2.0/28"]`: addresses
/// fail2ban never bans, the controllers' among them), `ntp_servers`
/// (`["ntp1.example.net"]`), `smarthost` (exim's `host::port` the hosts' mail goes to;
/// none: no MTA), `sshd_options` (extra sshd_config lines), `somaxconn`.
public let base = Role("base") { host in
    let release = Release(host)
    let stack = Stack(host)
    let vars = try host.vars(as: BaseVars.self)

    Package("sudo")
    for admin in vars.admins ?? [] {
        let name = admin.name
        let home = "/home/\(name)"
        User(name, groups: ["sudo"], home: home, shell: "/bin/bash")
        if let keyFile = admin.keyFile {
            // A key file on the controller: the file as it is there.
            Directory(home + "/.ssh", owner: name, group: name, mode: 0o700, requires: [.user(name)])
            File(home + "/.ssh/authorized_keys", content: .controllerFile(keyFile),
                 owner: name, group: name, mode: 0o600)
        } else {
            AuthorizedKeys(name, keys: admin.keys ?? [], home: home, group: name)
        }
    }

    // sshd: keys only. The first value of a keyword wins, and sshd_config.d/*.conf is read
    // at the top of sshd_config, so a drop-in named 60-… wins over the distribution's.
    // (jessie's OpenSSH 6.7 predates `prohibit-password`, 7.0's name for the same thing.)
    let sshdSettings = [
        "PasswordAuthentication no", "KbdInteractiveAuthentication no",
        "PermitRootLogin \(release.codename == "jessie" ? "without-password" : "prohibit-password")",
        "X11Forwarding no", "MaxAuthTries 4",
    ] + (vars.sshdOptions ?? [])
    if release.sshdHasDropIns {
        File("/etc/ssh/sshd_config.d/60-converge.conf",
             content: .text("# Managed by converge.\n" + sshdSettings.map { $0 + "\n" }.joined()), mode: 0o644,
             notifies: [.service("ssh")])
    } else {
        // Debian 8 to 10 read no drop-ins: each setting in place of Debian's own line for
        // its keyword in sshd_config (or before its `Match` blocks), the rest left as it is.
        Lines("/etc/ssh/sshd_config", sshdSettings.map { setting in
            .line(setting, replacing: "^#?[ ]*\(setting.prefix { !$0.isWhitespace })[ \t]")
        }, before: "^Match[ \t]", notifies: [.service("ssh")])
    }
    Service("ssh", running: true, enabled: true, reload: true, package: "openssh-server")

    // fail2ban: an address failing SSH logins 5 times in 10 minutes is banned for 10
    // minutes (nftables; iptables before bullseye), read from the journal (auth.log
    // before bullseye). The admins' networks never are.
    Package("fail2ban")
    for package in release.fail2banPackages { Package(package) }
    // A .local file: read after the distribution's jail.d/*.conf, so these settings win.
    File("/etc/fail2ban/jail.d/converge.local", content: """
        # Managed by converge.
        [DEFAULT]
        ignoreip = \((["127.0.0.1/8", "::1"] + (vars.adminNetworks ?? [])).joined(separator: " "))
        bantime = 600
        findtime = 600
        maxretry = 5
        banaction = \(release.fail2banUsesNftables ? "nftables" : "iptables-multiport")
        banaction_allports = \(release.fail2banUsesNftables ? "nftables[type=allports]" : "iptables-allports")

        [sshd]
        enabled = true
        \(release.fail2banUsesNftables ? "backend = systemd\n" : "")
        """, requires: [.package("fail2ban")], notifies: [.service("fail2ban")])
    Service("fail2ban", running: true, enabled: true, reload: true)

    // Mail: exim4 relays the host's own mail to the smarthost.
    if let smarthost = vars.smarthost {
        let relay = MailRelay(smarthost: smarthost, mailname: "\(host.name).\(stack.domain)", visibleDomain: stack.domain)
        Directory("/etc/exim4", mode: 0o755)
        File(MailRelay.settingsFile, content: .text(relay.settings), notifies: [.service("exim4")])
        File("/etc/mailname", content: .text(relay.mailname + "\n"), notifies: [.service("exim4")])
        for answer in relay.answers {
            Debconf("exim4-config", answer.question, type: answer.type, value: answer.value,
                    requires: [.file(MailRelay.settingsFile), .file("/etc/mailname")])
        }
        // After the answers, which come after the files they agree with.
        Package("exim4-daemon-light", requires: relay.answers.map { .debconf($0.question) })
        // Its init script runs update-exim4.conf on every start.
        Service("exim4", running: true, enabled: true)
    }

    // Metrics: Prometheus' node exporter on the private address, for the monitoring
    // role's server (none in jessie's archive).
    if let flag = release.nodeExporterListenFlag {
        Package("prometheus-node-exporter")
        File("/etc/default/prometheus-node-exporter", content: """
            # Managed by converge.
            ARGS="\(flag)=\(try stack.privateAddress()):\(Stack.Port.nodeExporter)"

            """, requires: [.package("prometheus-node-exporter")], notifies: [.service("prometheus-node-exporter")])
        Service("prometheus-node-exporter", running: true, enabled: true)
    }

    // Time: a container's clock is its machine's, and systemd-timesyncd refuses to run there.
    let ntp = vars.ntpServers ?? []
    if !host.isContainer {
        if release.timesyncdIsPackage { Package("systemd-timesyncd") }
        Directory("/etc/systemd/timesyncd.conf.d", mode: 0o755)
        File("/etc/systemd/timesyncd.conf.d/60-converge.conf", content: """
            # Managed by converge.
            [Time]
            NTP=\(ntp.joined(separator: " "))

            """, notifies: [.service("systemd-timesyncd")])
        Service("systemd-timesyncd", running: true, enabled: true,
                package: release.timesyncdIsPackage ? "systemd-timesyncd" : "systemd")
    }

    Package("logrotate")
    File("/etc/logrotate.d/converge-fleet", content: """
        # Managed by converge: the stack's own logs.
        /var/log/shop/*.log {
            weekly
            rotate 8
            compress
            delaycompress
            missingok
            notifempty
            create 0640 www-data adm
        }

        """)

    // Network settings live in the host's own network namespace, containers included;
    // vm.* belong to the machine, so a container leaves them alone.
    for (key, value) in kernelSettings(somaxconn: vars.somaxconn ?? 4096, container: host.isContainer)
        .sorted(by: { $0.key < $1.key })
    {
        Sysctl(key, value)
    }
    // Where these settings were kept before each had a file of its own.
    File("/etc/sysctl.d/60-converge.conf", .absent)
}

/// The base role's vars, typed: a var of the wrong type (`"somaxconn": "8192"`) fails the
/// host's plan naming the inventory, the host and the var.
struct BaseVars: Decodable {
    var admins: [Admin]?
    var adminNetworks: [String]?
    var ntpServers: [String]?
    var sshdOptions: [String]?
    var smarthost: String?
    var somaxconn: Int?

    /// An admin: a name, and keys or a key file on the controller.
    struct Admin: Decodable {
        var name: String
        var keys: [String]?
        var keyFile: String?
    }

    enum CodingKeys: String, CodingKey {
        case admins, smarthost, somaxconn
        case adminNetworks = "admin_networks"
        case ntpServers = "ntp_servers"
        case sshdOptions = "sshd_options"
    }
}

/// The kernel settings every host gets: network ones always (each host, containers too,
/// has its own network namespace), the machine's own (vm.*) only on bare metal.
func kernelSettings(somaxconn: Int, container: Bool) -> [String: String] {
    var settings = [
        "net.core.somaxconn": "\(somaxconn)",
        "net.ipv4.tcp_max_syn_backlog": "\(somaxconn)",
        "net.ipv4.ip_local_port_range": "10240 65000",
    ]
    if !container { settings["vm.swappiness"] = "10" }
    return settings
}
