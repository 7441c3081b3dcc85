import Converge
import Foundation

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

    // Knobs for the fault-injection and bad-input tests (Tests/LabTests/FaultTests.swift,
    // BadInputTests.swift); none is set in inventory/lab.json.

    // slow_step: N: a step that takes N seconds, marking on the host when it started and
    // when it finished, and a step after it (that must wait for it). A fault is injected
    // while it sleeps.
    if let seconds = host.vars["slow_step"].intValue {
        let marks = slowStepDirectory
        Command("slow step", "mkdir -p \(marks) && date > \(marks)/started && sleep \(seconds) && date > \(marks)/finished",
                creates: "\(marks)/finished")
        Command("after the slow step", "date > \(marks)/after", creates: "\(marks)/after",
                requires: [.command("slow step")])
    }
    // payload_path, payload_size, payload_owner: a file of that many bytes (for a full disk,
    // bad paths, an owner the host lacks), in payload_directory when that is set.
    if let directory = host.vars["payload_directory"].stringValue {
        Directory(directory)
    }
    if let path = host.vars["payload_path"].stringValue {
        File(path, content: .data(payload(size: host.vars["payload_size"].intValue ?? 64)),
             owner: host.vars["payload_owner"].stringValue)
    }
    // cycle: true: two commands, each requiring the other.
    if host.vars["cycle"].boolValue == true {
        Command("cycle one", "true", requires: [.command("cycle two")])
        Command("cycle two", "true", requires: [.command("cycle one")])
    }
}

/// Where the slow step marks its start and its end (and the step after it, its run).
let slowStepDirectory = "/var/lib/converge-lab-slow"

/// `size` bytes that say how long they are (payloads of two sizes differ); binary (a NUL
/// ends each line), so plans show their hash and size rather than a diff.
func payload(size: Int) -> Data {
    let line = Array("converge lab payload of \(size) bytes\u{0}".utf8)
    return Data((0..<size).map { line[$0 % line.count] })
}
