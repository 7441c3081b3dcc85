import Foundation
import Resources
import Testing

@Suite struct ResourceIDTests {
    @Test func textForm() throws {
        #expect(ResourceID.file("/etc/motd").description == "file:/etc/motd")
        #expect(ResourceID("package:nginx") == .package("nginx"))
        #expect(ResourceID("command:a:b") == ResourceID(kind: "command", name: "a:b"))
        #expect(ResourceID("nocolon") == nil)
        #expect(ResourceID(":x") == nil)
        #expect(ResourceID.service("nginx.service") == .service("nginx"))
        #expect(Service("ssh.service").id == .service("ssh"))
        #expect(Service("ssh").unit == "ssh.service")
    }

    @Test func codableAsText() throws {
        let data = try JSONEncoder().encode([ResourceID.file("/a b")])
        #expect(String(decoding: data, as: UTF8.self) == #"["file:\/a b"]"#)
        #expect(try JSONDecoder().decode([ResourceID].self, from: data) == [.file("/a b")])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ResourceID].self, from: Data(#"["bad"]"#.utf8)) }
    }

    @Test func ordering() {
        #expect([ResourceID.package("b"), .file("/z"), .package("a")].sorted() == [.file("/z"), .package("a"), .package("b")])
    }
}

@Suite struct ResourceTests {
    @Test func idsAndDefaults() {
        #expect(Package("nginx").state == .present)
        #expect(Package("redis-server", .version("5:7.0.15-1~deb12u1")).state.description == "version 5:7.0.15-1~deb12u1")
        #expect(File("/etc/motd", content: "x").defaultMode == 0o644)
        #expect(File("/etc/key", content: .secret(.environment("K"))).defaultMode == 0o600)
        #expect(File("/old", .absent).presence == .absent)
        #expect(Directory("/srv", .absent).id == .directory("/srv"))
        #expect(Symlink("/l", target: "/t").id == .symlink("/l"))
        #expect(User("deploy", groups: ["sudo"]).id == .user("deploy"))
        #expect(Group("deploy", system: true).isSystem)
        #expect(Command("initdb", "true", creates: "/x").id == .command("initdb"))
        let service = Service("nginx", reload: true)
        #expect(service.running == true && service.enabled == true && service.reloads)
    }

    @Test func interpolatedContent() {
        let port = 8080
        let file = File("/etc/app.conf", content: "listen \(port)\n")
        #expect(file.content == .text("listen 8080\n"))
    }
}

@Suite struct RoleTests {
    let web = Role("web") { host in
        Package("nginx")
        File("/etc/nginx/conf.d/port.conf", content: "listen \(host.vars["port"]);\n", notifies: [.service("nginx")])
        if host.isMember(of: "public") {
            Package("certbot")
        } else {
            Package("ufw")
        }
        for name in host.vars["extra"].arrayValue ?? [] {
            Package(name.description)
        }
        if let release = host.majorVersion, release < 10 {
            Package("systemd-sysv")
        }
        Service("nginx", reload: true)
    }

    @Test func buildsResourcesForAHost() throws {
        let host = HostContext(
            name: "web1", groups: ["public"], vars: ["port": 8080, "extra": ["curl", "jq"]], codename: "jessie",
            majorVersion: 8)
        let ids = try web.resources(for: host).map(\.id.description)
        #expect(ids == [
            "package:nginx", "file:/etc/nginx/conf.d/port.conf", "package:certbot", "package:curl", "package:jq",
            "package:systemd-sysv", "service:nginx",
        ])
        let file = try web.resources(for: host)[1] as? File
        #expect(file?.content == .text("listen 8080;\n"))
        let other = try web.resources(for: HostContext(name: "web2", majorVersion: 12)).map(\.id.description)
        #expect(other == ["package:nginx", "file:/etc/nginx/conf.d/port.conf", "package:ufw", "service:nginx"])
    }
}

@Suite struct VarValueTests {
    @Test func subscriptsNeverFail() {
        let vars: VarValue = ["db": ["user": "app", "port": 5432], "list": [1, 2.5, true, nil]]
        #expect(vars["db"]["user"] == "app")
        #expect(vars["db"]["port"].intValue == 5432)
        #expect(vars["list"][1].doubleValue == 2.5)
        #expect(vars["list"][9] == .null)
        #expect(vars["missing"]["deeper"] == .null)
        #expect(vars["db"][0] == .null)
    }

    @Test func interpolation() {
        let vars: VarValue = ["name": "web", "port": 80, "on": true, "list": ["a", 1], "obj": ["k": "v\n"]]
        #expect("\(vars["name"]):\(vars["port"]) \(vars["on"]) \(vars["missing"])" == "web:80 true null")
        #expect("\(vars["list"])" == #"["a", 1]"#)
        #expect("\(vars["obj"])" == #"{"k":"v\n"}"#)
    }

    @Test func codable() throws {
        let value: VarValue = ["a": [1, "two", 3.5, false, nil], "b": ["c": "d"]]
        let data = try JSONEncoder().encode(value)
        #expect(try JSONDecoder().decode(VarValue.self, from: data) == value)
    }
}

@Suite struct SecretTests {
    @Test func sourceCodable() throws {
        let sources: [Secret.Source] = [.environment("A"), .file("/b"), .store("c")]
        let data = try JSONEncoder().encode(sources)
        #expect(String(decoding: data, as: UTF8.self) == #"[{"environment":"A"},{"file":"\/b"},{"store":"c"}]"#)
        #expect(try JSONDecoder().decode([Secret.Source].self, from: data) == sources)
        #expect(Secret.environment("A").description == "secret from environment variable A")
        #expect(Secret.stored("db").description == "secret from secret store entry db")
    }
}
