import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A catch-all smarthost for the lab: an SMTP server on the controller's lab address that
/// accepts every message for every recipient and keeps it, as a team's staging relay
/// would. The lab fleet's `smarthost` var names it (`10.231.0.1::2525`); a host's exim
/// queues its mail while nothing listens there.
///
/// It serves one connection at a time on a thread of its own (never the cooperative
/// pool), speaking just what exim's smtp transport uses: EHLO/HELO, MAIL, RCPT, DATA,
/// RSET, NOOP, QUIT.
final class SMTPSink: Sendable {
    /// A message as it was handed over.
    struct Message: Sendable {
        var from: String
        var recipients: [String]
        var data: String
    }

    private let listener: Int32
    private let received = Mutex<[Message]>([])

    /// Listens on `address`:`port`; throws when the port cannot be bound.
    init(address: String, port: UInt16) throws {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard socket >= 0 else { throw SinkError("socket: \(String(cString: strerror(errno)))") }
        var yes: Int32 = 1
        setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var where_ = sockaddr_in()
        where_.sin_family = sa_family_t(AF_INET)
        where_.sin_port = port.bigEndian
        guard inet_pton(AF_INET, address, &where_.sin_addr) == 1 else {
            close(socket)
            throw SinkError("not an IPv4 address: \(address)")
        }
        let bound = withUnsafePointer(to: &where_) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(socket, 8) == 0 else {
            let cause = String(cString: strerror(errno))
            close(socket)
            throw SinkError("cannot listen on \(address):\(port): \(cause)")
        }
        listener = socket
        let thread = Thread { [self] in serve() }
        thread.name = "smtp-sink"
        thread.start()
    }

    /// Stops listening; a session under way ends with its connection.
    func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// The messages received so far.
    var messages: [Message] { received.withLock { $0 } }

    private func serve() {
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else { return }
            session(on: connection)
            close(connection)
        }
    }

    private func session(on connection: Int32) {
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(connection, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8]()
        func send(_ line: String) {
            let bytes = Array((line + "\r\n").utf8)
            _ = bytes.withUnsafeBytes { Glibc.send(connection, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        }
        /// The next line without its CRLF, or nil when the connection ends.
        func readLine() -> String? {
            while true {
                if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = Array(buffer[..<end])
                    buffer.removeSubrange(...end)
                    if line.last == UInt8(ascii: "\r") { line.removeLast() }
                    return String(decoding: line, as: UTF8.self)
                }
                var chunk = [UInt8](repeating: 0, count: 4096)
                let count = chunk.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
                guard count > 0 else { return nil }
                buffer += chunk[..<count]
            }
        }

        send("220 converge-lab catch-all smarthost")
        var from = ""
        var recipients: [String] = []
        while let line = readLine() {
            let verb = line.prefix { $0 != " " && $0 != ":" }.uppercased()
            switch verb {
            case "EHLO":
                send("250-converge-lab")
                send("250 8BITMIME")
            case "HELO", "NOOP":
                send("250 ok")
            case "MAIL":
                from = Self.address(in: line)
                recipients = []
                send("250 ok")
            case "RCPT":
                recipients.append(Self.address(in: line))
                send("250 ok")
            case "DATA":
                send("354 go ahead")
                var lines: [String] = []
                while let text = readLine(), text != "." {
                    lines.append(text.hasPrefix("..") ? String(text.dropFirst()) : text)
                }
                let message = Message(from: from, recipients: recipients, data: lines.joined(separator: "\n"))
                received.withLock { $0.append(message) }
                send("250 kept")
            case "RSET":
                from = ""
                recipients = []
                send("250 ok")
            case "QUIT":
                send("221 bye")
                return
            default:
                send("502 not here")
            }
        }
    }

    /// The address between `<` and `>` of a MAIL or RCPT command.
    private static func address(in line: String) -> String {
        guard let open = line.firstIndex(of: "<"), let close = line[open...].firstIndex(of: ">") else { return "" }
        return String(line[line.index(after: open)..<close])
    }

    struct SinkError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}
