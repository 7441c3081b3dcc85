import Converge

/// How the stack sizes its services from what a host has, so that a leased box with more
/// memory or CPUs gets the use of them without a change to the inventory; a var still
/// overrides each (the lab's containers all see the whole machine's memory, so the lab
/// inventory sets them).
public enum Sizing {
    static let mebibyte = 1 << 20

    /// InnoDB's buffer pool on a database host: half its memory (the rest for connections,
    /// the binary logs' page cache and the system), in whole 128 MiB chunks (InnoDB's
    /// default chunk size, to which it rounds the pool anyway), at least one chunk.
    public static func innodbBufferPool(memoryBytes: Int) -> Int {
        let chunk = 128 * mebibyte
        return max(chunk, memoryBytes / 2 / chunk * chunk)
    }

    /// Each redis instance's `maxmemory` on a redis host: the instances share half its
    /// memory (a persisted instance's rewrite forks, and copy-on-write may take as much again),
    /// in whole MiB, at least 32 MiB.
    public static func redisMaxmemory(memoryBytes: Int, instances: Int) -> Int {
        max(32 * mebibyte, memoryBytes / 2 / max(instances, 1) / mebibyte * mebibyte)
    }

    /// PHP-FPM's `pm.max_children` on a web host: as many workers as fit in its memory after
    /// 512 MiB for Apache and the system, at 64 MiB each, and no more than 8 per CPU (a
    /// worker mostly waits on redis and MariaDB); at least 2.
    public static func phpWorkers(memoryBytes: Int, cpuCount: Int) -> Int {
        let fitting = (memoryBytes - 512 * mebibyte) / (64 * mebibyte)
        return max(2, min(fitting, 8 * max(cpuCount, 1)))
    }

    /// varnish's cache (malloc storage) on a cache host: three quarters of its memory less
    /// 512 MiB, since varnish needs about as much again per object beyond the storage size
    /// and the system its share; in whole MiB, at least 64 MiB.
    public static func varnishCache(memoryBytes: Int) -> Int {
        max(64 * mebibyte, (memoryBytes / 4 * 3 - 512 * mebibyte) / mebibyte * mebibyte)
    }
}
