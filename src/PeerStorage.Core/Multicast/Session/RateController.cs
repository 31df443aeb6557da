namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// Follows the receivers: the rate goes up while the typical receiver loses little and down when it loses much (the
/// network or the receivers cannot take more). The typical receiver is the median, not the worst: one lossy or slow
/// receiver never drags the others down. A receiver whose loss stays far above the median for a while is named for
/// eviction (it takes the rest from the server), the explicit slow-receiver policy.
/// </summary>
internal sealed class RateController(double initialRate, double maxRate)
{
    /// <summary>Median loss above which the rate falls.</summary>
    public const double CongestionLoss = 0.03;
    /// <summary>Median loss under which the rate grows fast.</summary>
    public const double CleanLoss = 0.005;
    /// <summary>A receiver losing this much more than the median is lagging.</summary>
    public const double LaggingExcess = 0.25;
    public static readonly TimeSpan EvictAfter = TimeSpan.FromSeconds(1);
    public const double MinRate = 1 << 20;
    /// <summary>Unread data at the typical receiver beyond which it is falling behind.</summary>
    public const long MaxBacklogBytes = 4 << 20;

    public double Rate { get; private set; } = Math.Min(initialRate, maxRate);

    /// <summary>One control tick over the active receivers that reported a loss; returns those to evict.</summary>
    public IReadOnlyList<TrackedReceiver> Tick(IReadOnlyList<TrackedReceiver> active, DateTime now)
    {
        var reporting = active.Where(r => r.State == Protocol.ReceiverState.Receiving).ToList();
        if (reporting.Count == 0) return [];
        var byLoss = reporting.OrderBy(r => r.Loss).ToList();
        var typical = byLoss[(byLoss.Count - 1) / 2];
        var median = typical.Loss;
        var backlog = reporting.Select(r => r.BacklogBytes).Order().ElementAt((reporting.Count - 1) / 2);
        if (median > CongestionLoss || backlog > MaxBacklogBytes)
        {
            // Down to what the typical receiver actually took (its goodput), not by a blind factor: a receiver short
            // of CPU says exactly how much it can take. A growing backlog says it before any packet is lost.
            var taken = typical.BytesPerSecond > 0 ? typical.BytesPerSecond * 0.95 : 0;
            Rate = Math.Max(MinRate, Math.Clamp(taken, Rate * 0.6, Rate * 0.9)); // one noisy report cannot floor it
        }
        // Ticks come every 100 ms: 8 % a tick doubles the rate in about 0.9 s.
        // Never more than a little above what the typical receiver showed it takes: the backlog is seen only one
        // report late, and at hundreds of MiB/s that is tens of MiB too many.
        else if (median < CleanLoss && backlog < MaxBacklogBytes / 4)
            Rate = Math.Min(maxRate, Math.Min(Rate * 1.08, typical.BytesPerSecond > 0 ? Math.Max(Rate, typical.BytesPerSecond * 1.15) : Rate * 1.08));

        var evict = new List<TrackedReceiver>();
        foreach (var receiver in reporting)
        {
            // With one receiver there is nobody to protect: it sets the pace and is never sent away.
            var lagging = reporting.Count > 1 && receiver.Loss > median + LaggingExcess;
            if (!lagging) receiver.LaggingSince = null;
            else if (receiver.LaggingSince is null) receiver.LaggingSince = now;
            else if (now - receiver.LaggingSince >= EvictAfter) evict.Add(receiver);
        }
        return evict;
    }
}
