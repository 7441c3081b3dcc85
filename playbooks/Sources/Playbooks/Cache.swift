import Converge

/// varnish in front of the web hosts: every host of the inventory's `web` group is a
/// backend, health-checked and balanced round-robin. Pages that set a session cookie are
/// never cached (varnish's built-in rules), so each request reaches a web host.
///
/// Vars: `cache_size` (varnish's malloc storage, e.g. `4G`; by default from the host's
/// memory, ``Sizing/varnishCache(memoryBytes:)``).
public let cache = Role("cache") { host in
    let stack = Stack(host)
    let webServers = stack.members(of: .web)
    let vars = try host.vars(as: CacheVars.self)
    let size = vars.cacheSize ?? "\(Sizing.varnishCache(memoryBytes: host.memoryBytes) / Sizing.mebibyte)m"

    Package("varnish")
    File("/etc/varnish/default.vcl", content: .text(vcl(backends: webServers)),
         notifies: [.service("varnish")])
    // The listening address and storage are command-line options of varnishd: a drop-in
    // replaces Debian's ExecStart (the same on every release since varnish 6).
    Directory("/etc/systemd/system/varnish.service.d", mode: 0o755)
    File("/etc/systemd/system/varnish.service.d/60-converge.conf", content: """
        # Managed by converge.
        [Service]
        ExecStart=
        ExecStart=/usr/sbin/varnishd -j unix,user=vcache -F -a :\(Stack.Port.cache) -T localhost:6082 -f /etc/varnish/default.vcl -S /etc/varnish/secret -s malloc,\(size)

        """, notifies: [.service("varnish")])
    Service("varnish", running: true, enabled: true)
}
// Up again after a restart of varnish: its child answers (a page through it would also
// need a web host up, which the first converge of a whole fleet has not made yet).
.healthChecks { _ in [.command("varnishadm ping")] }
// While it restarts, HAProxy on both load balancers sends new requests to the other cache host.
.drains { host in [.haproxy(backend: Stack.cacheBackend, server: host.name, on: Stack.Tier.lb.rawValue)] }

/// The VCL for `backends`: one probed backend each, and a round-robin director over them.
func vcl(backends: [InventoryHost]) -> String {
    // varnish refuses a VCL without a backend: with no web host yet, it answers 503.
    let declared = backends.isEmpty ? "backend none_yet none;\n\n" : ""
    var text = """
        # Managed by converge: the web hosts of the inventory, balanced round-robin.
        vcl 4.0;

        import directors;

        probe health {
            .url = "\(Stack.healthPath)";
            .interval = 2s;
            .timeout = 1s;
            .window = 5;
            .threshold = 3;
            # A restarted varnish trusts its backends until a probe says otherwise (a
            # failed fetch is retried on the next one), instead of answering 503 until the
            # first probes pass.
            .initial = 3;
        }


        """ + declared
    for server in backends {
        text += """
            backend \(vclName(server.name)) {
                .host = "\(server.address)";
                .port = "\(Stack.Port.web)";
                .probe = health;
            }


            """
    }
    text += "sub vcl_init {\n    new web = directors.round_robin();\n"
    for server in backends {
        text += "    web.add_backend(\(vclName(server.name)));\n"
    }
    text += """
        }

        sub vcl_recv {
            set req.backend_hint = web.backend();
            # The health page answers for now, never from the cache: HAProxy's checks ask
            # for it, and a web host still converging answers 404.
            if (req.url == "\(Stack.healthPath)") {
                return (pass);
            }
        }

        sub vcl_backend_response {
            # Which web host answered, for the logs and the end-to-end checks.
            set beresp.http.X-Backend = beresp.backend.name;
            # An error is not kept: the next request asks a web host again.
            if (beresp.status >= 400) {
                set beresp.ttl = 0s;
                set beresp.uncacheable = true;
                return (deliver);
            }
        }

        sub vcl_deliver {
            # Which cache host answered: the hot standby's checks look for it.
            set resp.http.X-Cache-Host = server.hostname;
        }

        sub vcl_backend_error {
            # A web host that went away since its last health probe: the next one answers.
            if (bereq.retries < 2) {
                return (retry);
            }
        }

        """
    return text
}

/// A VCL identifier for an inventory name (letters, digits and `_` only).
func vclName(_ name: String) -> String {
    "web_" + String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
}

struct CacheVars: Decodable {
    /// varnish's notation for a size, e.g. `4G`.
    var cacheSize: String?

    enum CodingKeys: String, CodingKey { case cacheSize = "cache_size" }
}
