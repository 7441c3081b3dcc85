import Foundation
import Testing

@testable import Converge

/// The package `converge init` writes.
@Suite struct PlaybooksPackageTemplateTests {
    @Test func dependsOnConvergeByPathOrURL() throws {
        let local = PlaybooksPackageTemplate(name: "acme-playbooks", dependency: .path("/src/converge"))
        #expect(local.dependency.packageIdentity == "converge")
        #expect(local.manifest.contains(#".package(path: "/src/converge")"#))
        #expect(local.manifest.contains(#".product(name: "Converge", package: "converge")"#))
        let remote = PlaybooksPackageTemplate(
            name: "acme", dependency: .url("https://git.example.com/ops/Converge.git", from: "2.1.0"))
        #expect(remote.dependency.packageIdentity == "converge")
        #expect(remote.manifest.contains(#".package(url: "https://git.example.com/ops/Converge.git", from: "2.1.0")"#))
        // A checkout in a directory of another name is another package identity.
        #expect(PlaybooksPackageTemplate.Dependency.path("/work/main").packageIdentity == "main")
    }

    @Test func writesEveryFileOnceAndRefusesAFullDirectory() throws {
        let scratch = try Scratch()
        let template = PlaybooksPackageTemplate(name: "acme", dependency: .path("/src/converge"))
        try template.write(to: scratch.path + "/acme")
        for file in template.files {
            #expect(try String(contentsOfFile: scratch.path + "/acme/" + file.path, encoding: .utf8) == file.content)
        }
        #expect(template.files.map(\.path).contains("Sources/FleetConverge/main.swift"))
        // `converge --version` names the package.
        #expect(template.roles.contains(#"Playbook([base, web], name: "acme", version: "0.1.0")"#))
        #expect(throws: TemplateError.self) { try template.write(to: scratch.path + "/acme") }
    }
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("converge-\(UUID().uuidString)").path
    init() throws { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}
