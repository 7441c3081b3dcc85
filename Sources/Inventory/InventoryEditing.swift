import Foundation

extension Inventory {
    /// The inventory file's bytes with one host added at the end of `hosts`, or, when a
    /// host of that name is already there, its address updated and the group added to its
    /// `groups`: everything else stays exactly as written (order, formatting, comments of
    /// style). The result is parsed again, so an edit can never produce an invalid file.
    ///
    /// - Parameter user: when given, the host logs in as this user and changes things
    ///   through sudo (`"user"` and `"ssh": {"sudo": true}`).
    public func upsertingHost(named name: String, address: String, group: String,
                              user: String? = nil) throws(InventoryError) -> [UInt8] {
        guard case .object(let members) = document.kind,
              let hostsMember = members.first(where: { $0.key == "hosts" }),
              case .array(let hosts) = hostsMember.value.kind else {
            throw InventoryError(file: file, position: document.range.start, path: "hosts", message: "expected a hosts array")
        }
        var edits: [(range: Range<Int>, text: String)] = []
        let existing = hosts.first { node in
            if case .object(let fields) = node.kind, let value = fields.first(where: { $0.key == "name" })?.value,
               case .string(let existingName) = value.kind { return existingName == name }
            return false
        }
        if let existing, case .object(let fields) = existing.kind {
            if let addressField = fields.first(where: { $0.key == "address" }),
               addressField.value.kind != .string(address) {
                edits.append((addressField.value.range.bytes, JSONValue.string(address).jsonText()))
            }
            if let groupsField = fields.first(where: { $0.key == "groups" }) {
                if case .array(let values) = groupsField.value.kind, !values.contains(where: { $0.kind == .string(group) }) {
                    let names = values.compactMap { if case .string(let text) = $0.kind { text } else { nil } } + [group]
                    edits.append((groupsField.value.range.bytes, JSONValue.array(names.map(JSONValue.string)).jsonText()))
                }
            } else if let last = fields.last {
                edits.append((last.range.end.offset..<last.range.end.offset,
                              ", \"groups\": " + JSONValue.array([.string(group)]).jsonText()))
            }
            if let user, let last = fields.last {
                if let userField = fields.first(where: { $0.key == "user" }) {
                    if userField.value.kind != .string(user) {
                        edits.append((userField.value.range.bytes, JSONValue.string(user).jsonText()))
                    }
                } else {
                    edits.append((last.range.end.offset..<last.range.end.offset, ", \"user\": " + JSONValue.string(user).jsonText()))
                }
                if !fields.contains(where: { $0.key == "ssh" }) {
                    edits.append((last.range.end.offset..<last.range.end.offset, ", \"ssh\": {\"sudo\": true}"))
                }
            }
        } else {
            let login = user.map { ", \"user\": \(JSONValue.string($0).jsonText()), \"ssh\": {\"sudo\": true}" } ?? ""
            let entry = "{\"name\": \(JSONValue.string(name).jsonText()), \"address\": \(JSONValue.string(address).jsonText()), "
                + "\"groups\": \(JSONValue.array([.string(group)]).jsonText())\(login)}"
            if let last = hosts.last {
                // Same indentation as the host before it.
                let lineStart = source[..<last.range.start.offset].lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
                let indent = String(decoding: source[lineStart..<last.range.start.offset], as: UTF8.self)
                let separator = indent.allSatisfy({ $0 == " " || $0 == "\t" }) ? ",\n" + indent : ", "
                edits.append((last.range.end.offset..<last.range.end.offset, separator + entry))
            } else {
                edits.append((hostsMember.value.range.bytes, "[\n    " + entry + "\n  ]"))
            }
        }
        var bytes = source
        for edit in edits.sorted(by: { $0.range.lowerBound > $1.range.lowerBound }) {
            bytes.replaceSubrange(edit.range, with: Array(edit.text.utf8))
        }
        _ = try Inventory.parse(Data(bytes), file: file, baseDirectory: baseDirectory)
        return bytes
    }

    /// Writes `bytes` over the inventory file atomically (a temporary file in the same
    /// directory, then a rename), keeping the file's permissions: a crash never leaves
    /// half an inventory.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let url = URL(fileURLWithPath: path)
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
        try Data(bytes).write(to: temporary)
        if let mode = attributes?[.posixPermissions] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: temporary.path)
        }
        guard rename(temporary.path, path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: reason])
        }
    }
}
