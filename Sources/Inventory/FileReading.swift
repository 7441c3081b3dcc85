#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes of the file at `path`, or the operating system's reason it could
/// not be read (`No such file or directory`, `Permission denied`, `Is a directory`).
///
/// POSIX calls rather than Foundation, whose errors on Linux wrap the reason in
/// a sentence about the file instead of giving the `strerror` text.
func readFile(atPath path: String) -> Result<[UInt8], ReadFailure> {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return .failure(ReadFailure(code: errno)) }
    defer { close(descriptor) }
    var contents: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        if count == 0 { return .success(contents) }
        if count < 0 {
            if errno == EINTR { continue }
            return .failure(ReadFailure(code: errno))
        }
        contents.append(contentsOf: buffer[0..<count])
    }
}

/// An `errno` value from a failed read, with its system message.
struct ReadFailure: Error {
    let code: Int32
    var message: String { String(cString: strerror(code)) }
}
