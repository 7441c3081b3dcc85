import Converge

/// The workload of benchmarks/peers.sh, as converge writes it: what benchmarks/workload.json
/// describes (a directory, N files in it, packages, a service), given as inventory vars by
/// the benchmark, which writes the same workload for pyinfra and Ansible.
let bench = Role("bench") { host in
    let directory = host.vars["bench_directory"].stringValue ?? "/srv/bench"
    let files = host.vars["bench_files"].intValue ?? 20
    Directory(directory, owner: "root", group: "root", mode: 0o755)
    for number in 1...max(files, 1) {
        File("\(directory)/file-\(number).conf", content: .text(benchFileContent(number)),
             owner: "root", group: "root", mode: 0o644)
    }
    for name in host.vars["bench_packages"].arrayValue ?? [] {
        if let name = name.stringValue { Package(name) }
    }
    if let service = host.vars["bench_service"].stringValue {
        Service(service, running: true, enabled: true)
    }
}

/// What file number `number` holds, the same for every tool (benchmarks/peers.sh).
func benchFileContent(_ number: Int) -> String {
    "# benchmark file \(number)\nsetting_\(number) = value \(number)\n"
}
