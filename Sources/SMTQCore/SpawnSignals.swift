#if canImport(Glibc)
import Glibc
#endif

/// What every program smtq starts gets, whatever the starting thread blocks or ignores (the daemon's signal
/// handling blocks some): default handling of every signal and none blocked, so SIGTERM and Ctrl-C end it;
/// and none of smtq's descriptors beyond standard input, output and error.
public enum SpawnSignals {
    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34 and later; Swift's Glibc module does not
    /// declare it), looked up once; without it a child inherits only what lacks close-on-exec.
    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32
    private static let closeFrom: CloseFrom? = dlsym(UnsafeMutableRawPointer(bitPattern: 0),
                                                     "posix_spawn_file_actions_addclosefrom_np")
        .map { unsafeBitCast($0, to: CloseFrom.self) }

    /// Closes every descriptor above standard error in the child (after the actions added before it).
    public static func closeOthers(_ actions: inout posix_spawn_file_actions_t) {
        _ = closeFrom?(&actions, 3)
    }

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
