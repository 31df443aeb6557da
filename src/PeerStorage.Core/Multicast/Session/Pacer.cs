using System.Diagnostics;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// Spaces sends to a rate (bytes per second) that the rate controller may change at any time. Keeps a small credit so
/// the sleeps of a coarse timer, and the moments the sending thread waits for a core or reads and checks the next
/// window's blocks, do not lose rate; and never more, so a long pause does not turn into a burst.
/// </summary>
internal sealed class Pacer
{
    // 4 ms (a coarse sleep's overshoot) lost a tenth of the rate on a busy machine, where the sending thread waits for
    // a core longer than that: the receivers then reported less than was asked for, and the rate could hardly grow.
    // 15 ms at 200 MiB/s is a burst of 3 MiB, a tenth of a receiver's socket buffer.
    private const double MaxCreditSeconds = 0.015;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private double _credit; // bytes that may go now
    private double _last;
    private double _rate;

    public Pacer(double bytesPerSecond) => _rate = bytesPerSecond;

    public double BytesPerSecond
    {
        get => Volatile.Read(ref _rate);
        set => Volatile.Write(ref _rate, Math.Max(1, value));
    }

    /// <summary>Blocks until <paramref name="bytes"/> may be sent.</summary>
    public void Take(int bytes, CancellationToken cancellationToken)
    {
        while (true)
        {
            var now = _clock.Elapsed.TotalSeconds;
            var rate = BytesPerSecond;
            _credit = Math.Min(_credit + (now - _last) * rate, Math.Max(bytes, rate * MaxCreditSeconds));
            _last = now;
            if (_credit >= bytes)
            {
                _credit -= bytes;
                return;
            }
            cancellationToken.ThrowIfCancellationRequested();
            // Sleep, never spin: receivers on the same cores need them more than a pacer's precision.
            Thread.Sleep(1);
        }
    }
}
