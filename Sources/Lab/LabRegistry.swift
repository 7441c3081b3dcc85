import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Which named lab runs on which instance of `scripts/lab`: one small file per name, in a
/// directory only root writes. A name is claimed by `converge lab up` and given back by
/// `converge lab down`; the default lab is always instance 0.
public struct LabRegistry: Sendable {
    public let directory: String
    /// Whether instance N is in use by something the registry does not know of (a lab a
    /// test or benchmark booted with `scripts/lab` and `LAB_INSTANCE=N`).
    let isBusy: @Sendable (Int) -> Bool

    public init(directory: String = "/var/lib/converge-lab-names",
                isBusy: @escaping @Sendable (Int) -> Bool = { LabInstance(name: "", number: $0).isUp }) {
        self.directory = directory
        self.isBusy = isBusy
    }

    /// The lab `name` names, if it was ever claimed (or is the default one).
    public func lab(named name: String) throws(LabError) -> LabInstance? {
        try Self.check(name)
        if name == LabInstance.defaultName { return LabInstance(name: name, number: 0) }
        guard let text = try? String(contentsOfFile: file(of: name), encoding: .utf8),
              let number = Int(text.trimmingCharacters(in: .whitespacesAndNewlines)),
              LabInstance.namedInstances.contains(number) else { return nil }
        return LabInstance(name: name, number: number)
    }

    /// The lab `name` names, claiming a free instance for it when it has none.
    public func claim(_ name: String) throws(LabError) -> LabInstance {
        try Self.check(name)
        return try locked { () throws(LabError) -> LabInstance in
            if let lab = try lab(named: name) { return lab }
            let taken = Set(all().map(\.number))
            guard let number = LabInstance.namedInstances.first(where: { !taken.contains($0) && !isBusy($0) }) else {
                throw LabError("no room for lab '\(name)': the nine named labs of this machine are in use "
                               + "(converge lab list shows them; converge lab down --name NAME frees one)")
            }
            do {
                try "\(number)\n".write(toFile: file(of: name), atomically: true, encoding: .utf8)
            } catch {
                throw LabError("cannot record lab '\(name)' in \(directory): \(error.localizedDescription)")
            }
            return LabInstance(name: name, number: number)
        }
    }

    /// Takes the lab `name` down (`scripts/lab down`) and, once it is down, gives its name
    /// back; a lab that did not come down keeps its name and instance. The script's status.
    public func takeDown(_ name: String) throws(LabError) -> Int32 {
        guard let lab = try lab(named: name) else { return 0 }
        let status = try LabScript(lab: lab).run(["down"])
        if status == 0 { release(name) }
        return status
    }

    /// Gives the name back: its instance is free for another lab.
    public func release(_ name: String) {
        guard name != LabInstance.defaultName else { return }
        try? FileManager.default.removeItem(atPath: file(of: name))
    }

    /// Every named lab, by name.
    public func all() -> [LabInstance] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.sorted().compactMap { name in
            LabInstance.isValid(name: name) ? (try? lab(named: name)) ?? nil : nil
        }
    }

    private func file(of name: String) -> String { directory + "/" + name }

    private static func check(_ name: String) throws(LabError) {
        guard LabInstance.isValid(name: name) else {
            throw LabError("'\(name)' cannot name a lab: use a lowercase letter, then up to 31 of a-z 0-9 -")
        }
    }

    /// Runs `body` holding the registry's lock: two `up`s at once never claim one instance.
    private func locked<T>(_ body: () throws(LabError) -> T) throws(LabError) -> T {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw LabError("cannot create \(directory): \(error.localizedDescription)")
        }
        let descriptor = open(directory + "/.lock", O_CREAT | O_RDWR | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LabError("cannot open \(directory)/.lock: \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        flock(descriptor, LOCK_EX)
        return try body()
    }
}
