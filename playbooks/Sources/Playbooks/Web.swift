import Converge

/// Apache with PHP-FPM serving the shop's page: it keeps a session in redis (the `redis`
/// hosts' sessions instances) and reads a row from the MariaDB primary. The PHP version is
/// the one the host's Debian release ships (``Release/php``); its number of workers follows
/// the host's memory and CPUs (``Sizing/phpWorkers(memoryBytes:cpuCount:)``).
///
/// Vars: `php_workers` (PHP-FPM's `pm.max_children`, overriding the sizing).
public let web = Role("web") { host in
    let stack = Stack(host)
    let release = Release(host)
    let vars = try host.vars(as: WebVars.self)
    let workers = vars.phpWorkers ?? Sizing.phpWorkers(memoryBytes: host.memoryBytes, cpuCount: host.cpuCount)
    let sessions = stack.members(of: .redis).map { "tcp://\($0.address):\(Stack.Port.redisSessions)?weight=1" }
    let fpm = release.phpFPM

    Package("apache2")
    Package(fpm)
    for name in release.phpExtensions { Package(name) }

    // Modules and the FPM handler, enabled as a2enmod/a2enconf would: links in *-enabled.
    for module in ["proxy.load", "proxy.conf", "proxy_fcgi.load", "setenvif.load", "setenvif.conf", "headers.load"] {
        Symlink("/etc/apache2/mods-enabled/\(module)", target: "../mods-available/\(module)",
                requires: [.package("apache2")], notifies: [.service("apache2")])
    }
    Symlink("/etc/apache2/conf-enabled/\(release.apachePHPConfig)", target: "../conf-available/\(release.apachePHPConfig)",
            requires: [.package(fpm), .package("apache2")], notifies: [.service("apache2")])
    Symlink("/etc/apache2/sites-enabled/000-default.conf", .absent, requires: [.package("apache2")],
            notifies: [.service("apache2")])
    File("/etc/apache2/sites-available/shop.conf", content: """
        # Managed by converge.
        <VirtualHost *:\(Stack.Port.web)>
            ServerName \(stack.domain)
            DocumentRoot /srv/shop/public
            DirectoryIndex index.php
            <Directory /srv/shop/public>
                Require all granted
                AllowOverride None
            </Directory>
            # The shared assets, from the storage hosts' volume: files only, never PHP.
            Alias \(Stack.mediaURLPath) \(Stack.mediaDirectory)/
            <Directory \(Stack.mediaDirectory)>
                Require all granted
                AllowOverride None
                Options None
                <FilesMatch "\\.(php|phar|phtml)$">
                    Require all denied
                </FilesMatch>
            </Directory>
            # Which web host answered, for the tiers in front and for tests.
            Header always set X-Web-Host "\(host.name)"
            ErrorLog ${APACHE_LOG_DIR}/shop-error.log
            CustomLog ${APACHE_LOG_DIR}/shop-access.log combined
        </VirtualHost>

        """, requires: [.package("apache2")], notifies: [.service("apache2")])
    Symlink("/etc/apache2/sites-enabled/shop.conf", target: "../sites-available/shop.conf",
            notifies: [.service("apache2")])
    Service("apache2", running: true, enabled: true, reload: true)

    // Sessions in redis, spread over the redis hosts' sessions instances by session id.
    File("\(release.phpFPMConfigDirectory)/90-converge-sessions.ini", content: """
        ; Managed by converge: sessions in redis.
        session.save_handler = redis
        session.save_path = "\(sessions.joined(separator: ", "))"

        """, requires: release.phpExtensions.map { .package($0) }, notifies: [.service(fpm)])
    // Debian's pool is `www` (www.conf); a later file naming the same pool overrides its settings.
    File("\(release.phpFPMPoolDirectory)/zz-converge.conf", content: """
        ; Managed by converge: workers sized by the host's memory and CPUs.
        [www]
        pm = dynamic
        pm.max_children = \(workers)
        pm.start_servers = \(max(1, workers / 4))
        pm.min_spare_servers = \(max(1, workers / 4))
        pm.max_spare_servers = \(max(1, workers / 2))

        """, requires: [.package(fpm)], notifies: [.service(fpm)])
    Service(fpm, running: true, enabled: true)

    // The application: its configuration (the database password is a secret, readable by
    // PHP-FPM's www-data only) and its pages.
    Directory("/etc/shop", owner: "root", group: "www-data", mode: 0o750, requires: [.package("apache2")])
    File("/etc/shop/config.php", content: .secret("""
        <?php
        // Managed by converge.
        return array(
            'dsn' => 'mysql:host=\(stack.databaseWriteAddress ?? "127.0.0.1");port=\(Stack.Port.mariadb);dbname=\(Stack.database);charset=utf8mb4',
            'user' => '\(Stack.databaseUser)',
            'password' => '\(stack.databasePassword)',
        );

        """), owner: "root", group: "www-data", mode: 0o640)
    Directory("/srv/shop", mode: 0o755)
    Directory("/srv/shop/public", mode: 0o755)
    File("/srv/shop/public/index.php", content: .text(shopPage))
    if let volume = stack.mediaVolume {
        Package("glusterfs-client")
        // The storage hosts may be creating the volume in this same converge.
        Mount(Stack.mediaDirectory, device: volume.device, type: "glusterfs", options: volume.options,
              retries: 60, delay: 5, requires: [.directory("/srv/shop")])
    } else {
        Directory(Stack.mediaDirectory, mode: 0o755)
    }
    File("/srv/shop/public\(Stack.healthPath)", content: "<?php\nheader('Cache-Control: no-store');\necho \"ok\\n\";\n")
    Directory("/var/log/shop", owner: "www-data", group: "adm", mode: 0o750, requires: [.package("apache2")])
}
// Serving again after a restart of Apache or PHP-FPM: the health page, through both.
.healthChecks { _ in [.http(port: Stack.Port.web, path: Stack.healthPath, expecting: "ok")] }
// While they restart, varnish on every cache host sends its requests to the other web hosts.
.drains { host in [.varnish(backend: vclName(host.name), on: Stack.Tier.cache.rawValue)] }

/// The web role's vars.
struct WebVars: Decodable {
    var phpWorkers: Int?

    enum CodingKeys: String, CodingKey { case phpWorkers = "php_workers" }
}

/// The shop's page: which web host answered, the session and its visit count (kept in
/// redis), and a row read from MariaDB, as JSON. PHP 5.6 and later.
let shopPage = """
    <?php
    // Managed by converge.
    header('Cache-Control: no-store');
    header('Content-Type: application/json');
    session_start();
    $_SESSION['visits'] = isset($_SESSION['visits']) ? $_SESSION['visits'] + 1 : 1;
    $reply = array(
        'web' => gethostname(),
        'php' => PHP_VERSION,
        'session' => session_id(),
        'visits' => $_SESSION['visits'],
        'session_handler' => ini_get('session.save_handler'),
    );
    try {
        $config = require '/etc/shop/config.php';
        $db = new PDO($config['dsn'], $config['user'], $config['password'], array(PDO::ATTR_TIMEOUT => 3));
        $db->setAttribute(PDO::ATTR_ERRMODE, PDO::ERRMODE_EXCEPTION);
        $reply['message'] = $db->query('SELECT message FROM greetings WHERE id = 1')->fetchColumn();
    } catch (Exception $error) {
        http_response_code(503);
        $reply['error'] = $error->getMessage();
    }
    echo json_encode($reply), "\\n";

    """
