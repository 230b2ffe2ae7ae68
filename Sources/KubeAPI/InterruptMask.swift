#if canImport(Glibc)
import Glibc
#endif

/// Ctrl-C belongs to the Lua thread. The kernel hands a process's SIGINT to any thread that does
/// not block it, and only the Lua thread reacts to one (its wait returns early, the hook raises
/// `interrupted!`), so the threads the client and the embedded server start (NIO's event loops)
/// must block it. A thread starts with the signal mask of the thread that creates it.
public enum InterruptMask {
    /// Runs `body` with SIGINT blocked in the calling thread, so that the threads it starts
    /// block SIGINT for good; the caller's mask is restored after. A SIGINT that arrives
    /// meanwhile stays pending and is delivered once `body` has returned.
    public static func blocking<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        var interrupt = sigset_t(), previous = sigset_t()
        sigemptyset(&interrupt)
        sigaddset(&interrupt, SIGINT)
        pthread_sigmask(SIG_BLOCK, &interrupt, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        return try body()
    }
}
