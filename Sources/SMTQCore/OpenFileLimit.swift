#if canImport(Glibc)
import Glibc
#endif

/// The process's limit of open files. A collector holds a connection per TCP device (and a simulator one per
/// client), so the usual soft limit of 1,024 would cap a plant host below what it is built for.
public enum OpenFileLimit {
    /// Raises the soft limit to the hard limit (what systemd's `LimitNOFILE=` or the shell allows); returns the
    /// limit in force.
    @discardableResult
    public static func raise() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { return Int(clamping: raised.rlim_cur) }
        }
        return Int(clamping: limit.rlim_cur)
    }
}
