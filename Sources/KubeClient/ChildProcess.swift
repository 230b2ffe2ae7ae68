import CProcess
import Foundation

/// A program run to its end with its output captured, for exec credential plugins (and the
/// tests' peers). It is spawned with no descriptor but its three pipes, default signal
/// dispositions and an empty signal mask, and reaped with `waitpid`, so that a grandchild it
/// leaves running (a daemon such as a tmux server) can neither hold the caller's descriptors
/// nor make the wait last for ever, as it does with Foundation's `Process`, which learns of an
/// exit through a socket the whole process tree inherits.
package struct ChildProcess: Sendable {
    /// The exit status, or 128 + the signal that ended the program.
    package var status: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]
    /// The program was killed because it outlasted its timeout.
    package var timedOut = false

    /// Why a program could not be started.
    package struct SpawnError: Error, CustomStringConvertible {
        package var description: String
    }

    /// How long the pipes are still read after the program exited, for output a grandchild
    /// holding them may still write.
    static let lingering = 2.0

    /// Runs `command` (a path, or a name looked up in `PATH`) with `arguments`, in `directory`,
    /// with `environment` as its whole environment and `input` on its standard input; waits at
    /// most `timeout` seconds, then kills it.
    package static func run(_ command: String, _ arguments: [String], environment: [String: String],
                            directory: String? = nil, input: [UInt8] = [], timeout: Double? = nil) throws(SpawnError) -> ChildProcess {
        var pipes: [Int32] = [-1, -1, -1, -1, -1, -1]  // stdin r/w, stdout r/w, stderr r/w
        for index in stride(from: 0, to: 6, by: 2) {
            let failure = pipes.withUnsafeMutableBufferPointer { ks_pipe($0.baseAddress! + index) }
            guard failure == 0 else {
                pipes.filter { $0 >= 0 }.forEach { close($0) }
                throw SpawnError(description: "cannot make a pipe: \(String(cString: strerror(failure)))")
            }
        }
        let argv = ([command] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        var pid: pid_t = 0
        let failure = ks_spawn(&pid, command, command.contains("/") ? 0 : 1, argv, envp, directory, pipes[0], pipes[3], pipes[5])
        argv.forEach { free($0) }
        envp.forEach { free($0) }
        close(pipes[0]); close(pipes[3]); close(pipes[5])
        guard failure == 0 else {
            close(pipes[1]); close(pipes[2]); close(pipes[4])
            throw SpawnError(description: String(cString: strerror(failure)))
        }
        var result = ChildProcess(status: 0, stdout: [], stderr: [])
        result.collect(pid: pid, stdin: pipes[1], stdout: pipes[2], stderr: pipes[4], input: input, timeout: timeout)
        return result
    }

    /// Writes the input, reads both outputs and reaps the program, killing it at the timeout.
    private mutating func collect(pid: pid_t, stdin: Int32, stdout: Int32, stderr: Int32, input: [UInt8], timeout: Double?) {
        let started = Date()
        var written = 0
        var stdin = stdin
        _ = fcntl(stdin, F_SETFL, fcntl(stdin, F_GETFL) | O_NONBLOCK)
        if input.isEmpty { close(stdin); stdin = -1 }
        var open = [stdout, stderr]
        var exited: (status: Int32, at: Date)?
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while !open.isEmpty || stdin >= 0 || exited == nil {
            var polled = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if stdin >= 0 { polled.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
            _ = poll(&polled, nfds_t(polled.count), 100)
            for entry in polled where entry.revents != 0 {
                if entry.fd == stdin {
                    let count = input[written...].withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
                    if count > 0 { written += count }
                    if count < 0 && errno != EAGAIN || written == input.count { close(stdin); stdin = -1 }
                    continue
                }
                let count = read(entry.fd, &buffer, buffer.count)
                if count > 0 {
                    if entry.fd == stdout { self.stdout += buffer[..<count] } else { self.stderr += buffer[..<count] }
                } else if count == 0 || errno != EINTR && errno != EAGAIN {
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                }
            }
            if exited == nil, let status = Self.reap(pid, hang: false) { exited = (status, Date()) }
            if let exited, Date().timeIntervalSince(exited.at) > Self.lingering { break }
            if exited == nil, let timeout, Date().timeIntervalSince(started) > timeout {
                kill(pid, SIGKILL)
                timedOut = true
                break
            }
        }
        open.forEach { close($0) }
        if stdin >= 0 { close(stdin) }
        status = exited?.status ?? Self.reap(pid, hang: true) ?? -1
    }

    /// The program's status once it has ended (nil while it runs, with `hang` false).
    private static func reap(_ pid: pid_t, hang: Bool) -> Int32? {
        var raw: Int32 = 0
        while true {
            let reaped = waitpid(pid, &raw, hang ? 0 : WNOHANG)
            if reaped == pid { break }
            if reaped == 0 { return nil }
            if errno != EINTR { return nil }
        }
        let signal = raw & 0x7F
        return signal == 0 ? (raw >> 8) & 0xFF : 128 + signal
    }
}
