using System.Runtime.InteropServices;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>POSIX signals, sent the way a service manager or a terminal sends them (Process.Kill is SIGKILL).</summary>
public static class Signals
{
    public const int SIGINT = 2;
    public const int SIGTERM = 15;

    [DllImport("libc", SetLastError = true)]
    private static extern int kill(int pid, int signal);

    public static void Send(int processId, int signal)
    {
        if (kill(processId, signal) != 0)
            throw new InvalidOperationException($"kill({processId}, {signal}) failed: errno {Marshal.GetLastPInvokeError()}");
    }

    /// <summary>
    /// Whether this process ignores <paramref name="signal"/> (a shell starts background jobs with SIGINT ignored). Children
    /// inherit that, and a .NET process then keeps ignoring SIGINT, as any program would.
    /// </summary>
    public static bool IgnoredHere(int signal)
    {
        var line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        if (line is null) return false;
        var mask = Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
        return (mask & (1UL << (signal - 1))) != 0;
    }
}
