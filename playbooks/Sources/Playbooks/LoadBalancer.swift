import Converge

/// HAProxy terminating TLS for the site and balancing over the cache hosts, each checked
/// by asking for the health page through it. Plain HTTP is redirected to HTTPS.
///
/// The certificate is self-signed on the controller the first time (``Stack/tlsCertificate``)
/// and kept there as a secret file, so both load balancers serve the same one.
public let loadBalancer = Role("lb") { host in
    let stack = Stack(host)
    let caches = stack.members(of: .cache)

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
            default_backend \(Stack.cacheBackend)

        backend \(Stack.cacheBackend)
            balance roundrobin
            option httpchk GET \(Stack.healthPath)
            default-server check inter 2s fall 3 rise 2
        \(caches.map { "    server \($0.name) \($0.address):\(Stack.Port.cache)\n" }.joined())
        """, notifies: [.service("haproxy")])
    // Debian's unit checks the configuration (haproxy -c) before it starts or reloads.
    Service("haproxy", running: true, enabled: true, reload: true)
}
// Serving TLS again after a reload: HAProxy answers its monitor URI over HTTPS (with no
// floating address yet, the pair is not drained: each reload is HAProxy's seamless one).
.healthChecks { host in
    [.https(path: Stack.balancerHealthPath, hostHeader: Stack(host).domain)]
}
