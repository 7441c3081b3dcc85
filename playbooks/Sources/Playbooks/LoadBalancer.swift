import Converge

/// HAProxy terminating TLS for the site and balancing over the cache hosts, each checked
/// by asking for the health page through it. Plain HTTP is redirected to HTTPS.
///
/// The certificate is self-signed on the controller the first time (``Stack/tlsCertificate``)
/// and kept there as a secret file, so both load balancers serve the same one.
///
/// Hot standby: the first cache host gets every request, the others only while it is
/// down or drained (HAProxy `backup` servers). With a floating address
/// (``Stack/floatingAddress``), keepalived keeps it on the first load balancer whose
/// HAProxy runs (VRRP, unicast to the others), and on the next one within about three
/// seconds of its loss; the first takes it back once it is up again. Clients use only it.
public let loadBalancer = Role("lb") { host in
    let stack = Stack(host)
    let caches = stack.members(of: .cache)
    let balancers = stack.members(of: .lb)

    Package("haproxy")
    // What a rollout drains cache hosts with, through HAProxy's admin socket (Drain.haproxy);
    // and what its own health check speaks TLS with.
    Package("socat")
    Package("openssl")
    File("/etc/haproxy/site.pem", content: .secret(SecretText(stack.tlsCertificate)),
         owner: "root", group: "root", mode: 0o600, notifies: [.service("haproxy")])
    File("/etc/haproxy/haproxy.cfg", content: """
        # Managed by converge: TLS for \(stack.domain), balanced over the cache hosts.
        global
            log /dev/log local0
            chroot /var/lib/haproxy
            stats socket /run/haproxy/admin.sock mode 660 level admin
            user haproxy
            group haproxy
            daemon
            ssl-default-bind-options ssl-min-ver TLSv1.2

        defaults
            log global
            mode http
            option httplog
            option dontlognull
            option forwardfor
            timeout connect 5s
            timeout client 30s
            timeout server 30s
            retries 2
            option redispatch

        frontend site
            bind :\(Stack.Port.https) ssl crt /etc/haproxy/site.pem
            bind :\(Stack.Port.http)
            # HAProxy's own answer, whatever the cache hosts' state: what its health check asks.
            monitor-uri \(Stack.balancerHealthPath)
            http-request redirect scheme https code 301 unless { ssl_fc }
            http-request set-header X-Forwarded-Proto https
            # Which load balancer answered: what a failover test looks for.
            http-response set-header X-Load-Balancer \(host.name)
            default_backend \(Stack.cacheBackend)

        backend \(Stack.cacheBackend)
            balance roundrobin
            option httpchk GET \(Stack.healthPath)
            default-server check inter 2s fall 3 rise 2
        \(caches.enumerated().map { index, cache in
            "    server \(cache.name) \(cache.address):\(Stack.Port.cache)\(index == 0 ? "" : " backup")\n"
        }.joined())
        """, notifies: [.service("haproxy")])
    // Debian's unit checks the configuration (haproxy -c) before it starts or reloads.
    Service("haproxy", running: true, enabled: true, reload: true)

    if let floating = stack.floatingAddress {
        let site = FloatingAddress(instance: "site", address: floating, service: "haproxy", routerID: stack.vrrpRouterID)
        Package("keepalived")
        File("/etc/keepalived/keepalived.conf",
             content: .text(try site.keepalivedConfig(on: host, ownAddress: try stack.privateAddress(), holders: balancers,
                                                      takeoverFile: Stack.takeoverFile)),
             notifies: [.service("keepalived")])
        Service("keepalived", running: true, enabled: true, reload: true)
    }
}
// Serving TLS again after a reload: HAProxy answers its monitor URI over HTTPS.
.healthChecks { host in
    [.https(path: Stack.balancerHealthPath, hostHeader: Stack(host).domain)]
}
// The floating address moves first: the other load balancers take it over (their
// keepalived priority raised while the takeover file exists), and the drain waits until
// one of them holds it; undrained, the host takes it back.
.drains { host in
    let stack = Stack(host)
    guard let floating = stack.floatingAddress else { return [] }
    return [Drain(
        on: Stack.Tier.lb.rawValue, name: "floating address \(floating)",
        drain: "touch \(Stack.takeoverFile)", undrain: "rm -f \(Stack.takeoverFile)",
        // Zero once this peer holds the address (or, with several peers, once any does).
        connections: "if ip -o -4 addr show | grep -q ' \(floating)/'; then echo 0; else echo 1; fi",
        timeout: .seconds(15))]
}
