import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A connected, non-blocking TCP socket that closes itself.
final class Socket {
    let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Resolves `address` and connects to the first of its addresses that answers before `deadline`.
    static func connect(host: String, address: String, port: Int, deadline: Deadline, timeout: Duration) throws -> Socket {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address, String(port), &hints, &list)
        guard status == 0, let first = list else {
            throw SSHError(host: host, phase: .resolve, kind: .unreachable,
                           message: "cannot resolve \(address): \(String(cString: gai_strerror(status)))")
        }
        defer { freeaddrinfo(first) }

        var lastError = SSHError(host: host, phase: .connect, kind: .unreachable, message: "no address for \(address)")
        var candidate: UnsafeMutablePointer<addrinfo>? = first
        while let info = candidate {
            candidate = info.pointee.ai_next
            do {
                return try connect(to: info.pointee, host: host, address: address, port: port,
                                   deadline: deadline, timeout: timeout)
            } catch let error as SSHError {
                lastError = error
                if error.kind == .timedOut { break }
            }
        }
        throw lastError
    }

    private static func connect(to info: addrinfo, host: String, address: String, port: Int,
                                deadline: Deadline, timeout: Duration) throws -> Socket {
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else {
            throw SSHError(host: host, phase: .connect, kind: .failed, message: "socket(): \(errnoText())")
        }
        let socket = Socket(descriptor: fd)
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        socket.configure()

        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw connectError(errno, host: host, address: address, port: port) }
            var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
            while true {
                let ready = poll(&pfd, 1, deadline.pollTimeout())
                if ready > 0 { break }
                if ready < 0 && errno == EINTR { continue }
                throw SSHError(host: host, phase: .connect, kind: .timedOut,
                               message: "no answer from \(address) port \(port) within \(timeout.humanReadable)")
            }
            var code: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length)
            if code != 0 { throw connectError(code, host: host, address: address, port: port) }
        }
        return socket
    }

    /// Low latency for the many small packets of SSH, and dead peers noticed within about 30 s.
    private func configure() {
        func set(_ level: Int32, _ option: Int32, _ value: Int32) {
            var value = value
            setsockopt(descriptor, level, option, &value, socklen_t(MemoryLayout<Int32>.size))
        }
        let tcp = Int32(IPPROTO_TCP)
        set(tcp, TCP_NODELAY, 1)
        set(SOL_SOCKET, SO_KEEPALIVE, 1)
        set(tcp, TCP_KEEPIDLE, 15)
        set(tcp, TCP_KEEPINTVL, 5)
        set(tcp, TCP_KEEPCNT, 3)
        set(tcp, TCP_USER_TIMEOUT, 30_000)
    }

    private static func connectError(_ code: Int32, host: String, address: String, port: Int) -> SSHError {
        let text = String(cString: strerror(code))
        return SSHError(host: host, phase: .connect, kind: .unreachable,
                        message: "cannot connect to \(address) port \(port): \(text)")
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
