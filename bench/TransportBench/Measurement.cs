using System.Diagnostics;

namespace PeerStorage.Bench.Transport;

/// <summary>
/// One timed transfer: wall time, the process's CPU time (both ends run in this process, so it is the whole cost of
/// moving the bytes, and far less disturbed by other load on the machine than wall time), and managed allocation.
/// </summary>
internal sealed record Measurement(TimeSpan Elapsed, TimeSpan Cpu, long AllocatedBytes)
{
    public static Running Start() => new(Stopwatch.StartNew(), Process.GetCurrentProcess().TotalProcessorTime, GC.GetTotalAllocatedBytes(precise: true));

    public double MiBPerSecond(long bytes) => bytes / (1024.0 * 1024) / Elapsed.TotalSeconds;

    public double CpuSecondsPerGiB(long bytes) => Cpu.TotalSeconds / (bytes / (1024.0 * 1024 * 1024));

    internal sealed record Running(Stopwatch Clock, TimeSpan CpuAtStart, long AllocatedAtStart)
    {
        public Measurement Stop()
        {
            Clock.Stop();
            return new Measurement(Clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - CpuAtStart,
                GC.GetTotalAllocatedBytes(precise: true) - AllocatedAtStart);
        }
    }
}
