import Foundation

/// Debian's `age` program, which encrypts the team's secrets to its members' SSH keys.
///
/// converge runs the program rather than implementing the format: `age` is the reference
/// implementation, it reads OpenSSH private keys (passphrase-protected ones too, asking on
/// the terminal), and a secret can be read by hand with it when converge is not at hand
/// (`age -d -i ~/.ssh/id_ed25519 secrets/NAME.age`).
struct Age: Sendable {
    /// The program's path.
    let executable: String

    /// `age` from `PATH`.
    ///
    /// - Throws: ``SecretStoreError`` saying how to install it when it is not there.
    static func find(environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecretStoreError) -> Age {
        let path = environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") where !directory.isEmpty {
            let candidate = "\(directory)/age"
            if FileManager.default.isExecutableFile(atPath: candidate) { return Age(executable: candidate) }
        }
        throw SecretStoreError("the program `age` is not installed: the team's secrets are encrypted with it (apt-get install age)")
    }

    /// `data` encrypted to every recipient in `recipientsFile`, ASCII-armored so that a
    /// change to it reads as a change in review.
    func encrypt(_ data: Data, recipientsFile: String) throws(SecretStoreError) -> Data {
        try run(["--encrypt", "--armor", "--recipients-file", recipientsFile], input: data)
    }

    /// `data` decrypted with the first of `identities` (private key files) that it was
    /// encrypted to.
    func decrypt(_ data: Data, identities: [String]) throws(SecretStoreError) -> Data {
        try run(["--decrypt"] + identities.flatMap { ["--identity", $0] }, input: data)
    }

    /// Runs age with `input` on its standard input; its standard output, or its own
    /// error message. Standard input and the terminal stay the user's for a passphrase:
    /// age asks for one on `/dev/tty`.
    private func run(_ arguments: [String], input: Data) throws(SecretStoreError) -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let stdin = Pipe(), stdout = Pipe(), stderr = Pipe()
        process.standardInput = stdin
        process.standardOutput = stdout
        process.standardError = stderr
        do {
            try process.run()
        } catch {
            throw SecretStoreError("cannot run \(executable): \(error.localizedDescription)")
        }
        // Written from another thread: a secret larger than a pipe's buffer would otherwise
        // wait for age to be read while age waits for the rest of it.
        let writer = Thread {
            try? stdin.fileHandleForWriting.write(contentsOf: input)
            try? stdin.fileHandleForWriting.close()
        }
        writer.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        let message = stderr.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self)
                .split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("age: report unexpected") && !$0.hasPrefix("age: [") }
                .map { $0.hasPrefix("age: error: ") ? String($0.dropFirst("age: error: ".count)) : $0 }
                .joined(separator: "; ")
            throw SecretStoreError(text.isEmpty ? "age exited with status \(process.terminationStatus)" : text)
        }
        return output
    }
}
