import Dispatch
import NIOConcurrencyHelpers
import Subprocess
import SystemPackage

/// A program run to its end with its output captured, for exec credential plugins (and the
/// tests' peers), through swift-subprocess: it is spawned with no descriptor but its three
/// pipes, default signal dispositions and an empty signal mask, and the call returns once the
/// program has exited even when a grandchild it left running (a daemon such as a tmux server)
/// still holds its output. The caller waits synchronously, as the client's transport does.
package struct ChildProcess: Sendable {
    /// The exit status, or 128 + the signal that ended the program.
    package var status: Int32
    package var stdout: [UInt8]
    package var stderr: [UInt8]
    /// The program was killed because it outlasted its timeout.
    package var timedOut = false

    /// Why a program could not be started (or its output not read).
    package struct SpawnError: Error, CustomStringConvertible {
        package var description: String
    }

    /// The most output kept from each stream; a program that writes more fails the call.
    static let outputLimit = 64 << 20

    /// Runs `command` (a path, or a name looked up in `PATH`) with `arguments`, in `directory`,
    /// with `environment` as its whole environment and `input` on its standard input; waits at
    /// most `timeout` seconds, then kills it.
    package static func run(_ command: String, _ arguments: [String], environment: [String: String],
                            directory: String? = nil, input: [UInt8] = [], timeout: Double? = nil) throws(SpawnError) -> ChildProcess {
        let outcome = NIOLockedValueBox<Result<ChildProcess, SpawnError>?>(nil)
        let finished = DispatchSemaphore(value: 0)
        let executable: Executable = command.contains("/") ? .path(FilePath(command)) : .name(command)
        var variables: [Environment.Key: String] = [:]
        for (name, value) in environment { variables[Environment.Key(stringLiteral: name)] = value }
        let task = Task { [variables] in
            defer { finished.signal() }
            do {
                let result = try await Subprocess.run(
                    executable, arguments: Arguments(arguments), environment: .custom(variables),
                    workingDirectory: directory.map { FilePath($0) }, input: .array(input),
                    output: .bytes(limit: outputLimit), error: .bytes(limit: outputLimit))
                let status: Int32 = switch result.terminationStatus {
                case .exited(let code): Int32(truncatingIfNeeded: code)
                case .signaled(let signal): 128 + Int32(truncatingIfNeeded: signal)
                }
                outcome.withLockedValue { $0 = .success(ChildProcess(status: status, stdout: result.standardOutput, stderr: result.standardError)) }
            } catch {
                outcome.withLockedValue { $0 = .failure(SpawnError(description: Self.describe(error))) }
            }
        }
        var timedOut = false
        if let timeout {
            if finished.wait(timeout: .now() + max(0, timeout)) == .timedOut {
                timedOut = true
                task.cancel()  // swift-subprocess kills the program
                finished.wait()
            }
        } else {
            finished.wait()
        }
        guard var result = try outcome.withLockedValue({ $0 })?.get() else {
            throw SpawnError(description: "the program's outcome was lost")
        }
        result.timedOut = timedOut
        return result
    }

    /// A spawn failure as the system words it (`No such file or directory`); a name not found
    /// in `PATH` as Go's os/exec words it, which client-go's users know.
    static func describe(_ error: any Error) -> String {
        guard let error = error as? SubprocessError else { return String(describing: error) }
        if let underlying = error.underlyingError { return underlying.description }
        if error.code == .executableNotFound { return "executable file not found in $PATH" }
        return error.description
    }
}
