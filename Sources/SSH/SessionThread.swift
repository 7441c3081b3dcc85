import Foundation

/// A dedicated OS thread for one session's blocking libssh2 work.
///
/// Swift's cooperative pool has one thread per core; a libssh2 call waiting on the
/// network there would stall every other task. Work submitted here runs in order,
/// one job at a time, which is also the confinement libssh2 sessions need.
final class SessionThread: @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [() -> Void] = []  // guarded by `condition`
    private var stopping = false          // guarded by `condition`
    private var finished = false          // guarded by `condition`

    init(name: String) {
        let thread = Thread { [self] in runLoop() }
        thread.name = name
        thread.threadDictionary[sessionThreadKey] = true
        thread.stackSize = 1 << 20
        thread.start()
    }

    /// Runs `body` on the thread and returns its result to the awaiting task.
    func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            submit { continuation.resume(with: Result { try body() }) }
        }
    }

    /// Lets queued jobs finish, then ends the thread.
    func stop() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    /// Like `stop`, and returns once the queued jobs are done. Teardown waits, so that no
    /// libssh2 call is still running when the process exits and OpenSSL cleans up under it.
    func stopAndWait() {
        condition.lock()
        stopping = true
        condition.broadcast()
        if !Thread.current.isSessionThread {
            while !finished { condition.wait() }
        }
        condition.unlock()
    }

    /// Queues `job` without waiting for it (for teardown, where nothing can await).
    func submit(_ job: @escaping () -> Void) {
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    private func runLoop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }
}

private let sessionThreadKey = "converge.ssh.session-thread"

extension Thread {
    fileprivate var isSessionThread: Bool { threadDictionary[sessionThreadKey] as? Bool == true }
}
