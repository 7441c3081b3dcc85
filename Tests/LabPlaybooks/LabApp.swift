import Converge

/// A small application on the lab's test packages: a pinned tool, a daemon with
/// a templated config that reloads it, a data directory, and a one-time setup step.
let labApp = Role("lab-app") { host in
    let greeting = host.vars["greeting"].stringValue ?? "hello from converge"
    Package("converge-test-daemon")
    Package("converge-test-hello", .version(host.vars["hello_version"].stringValue ?? "2.0-1"))
    File("/etc/converge-test-daemon.conf", content: """
        # Managed by converge for \(host.name).
        greeting = \(greeting)
        release = \(host.codename ?? "unknown")

        """, owner: "root", group: "root", mode: 0o644, notifies: [.service("converge-test-daemon")])
    Service("converge-test-daemon", running: true, enabled: true)
    Directory("/srv/lab app", owner: "ops", group: "ops", mode: 0o755)
    File("/srv/lab app/notes 'quoted' $(not run).txt", content: "Line one\nnon-ASCII: é ü 日本\n$(id) `id`\n",
         owner: "ops", group: "ops", mode: 0o640)
    Command("initialize lab app", "date > '/srv/lab app/.initialized'", creates: "/srv/lab app/.initialized")

    // The inventory names where the app's token comes from; converge reads it on the
    // controller and it lands readable by root only.
    if let tokenFile = host.vars["app_token_file"].stringValue {
        File("/etc/converge-test-daemon.token", content: .secret(.file(tokenFile)), owner: "root", group: "root", mode: 0o600)
    }
    for name in host.vars["extra_packages"].arrayValue ?? [] {
        if let name = name.stringValue { Package(name) }
    }
}
