#if canImport(Glibc)
import Glibc
#endif

/// What every program smtq starts gets, whatever the starting thread blocks or ignores (the daemon's signal
/// handling blocks some): default handling of every signal and none blocked, so SIGTERM and Ctrl-C end it.
public enum SpawnSignals {
    /// Sets that on `attributes`, with `flags` (e.g. `POSIX_SPAWN_SETPGROUP`) besides.
    public static func reset(_ attributes: inout posix_spawnattr_t, flags: Int32 = 0) {
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(Int32(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK) | flags))
    }
}
