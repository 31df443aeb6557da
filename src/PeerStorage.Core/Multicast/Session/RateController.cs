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
    /// <summary>How much the rate may grow in one tick while the receivers keep up.</summary>
    public const double GrowthPerTick = 1.10;
    /// <summary>How far above the typical receiver's (smoothed) goodput the rate may go while growing.</summary>
    public const double TakenHeadroom = 1.3;

    /// <summary>After a cut, how long until the next may come.</summary>
    public static readonly TimeSpan CutHold = TimeSpan.FromMilliseconds(300);

    private DateTime _lastCut = DateTime.MinValue;

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
            // Once per hold: the reports of the next few ticks were written before the cut could show in them, and
            // cutting on each of them again took the rate to half of what the receivers take.
            if (now - _lastCut < CutHold) return Evictions(reporting, median, now);
            _lastCut = now;
            // Down to what the typical receiver actually took (its goodput), not by a blind factor: a receiver short
            // of CPU says exactly how much it can take. A growing backlog says it before any packet is lost.
            var taken = typical.BytesPerSecond > 0 ? typical.BytesPerSecond * 0.95 : 0;
            Rate = Math.Max(MinRate, Math.Clamp(taken, Rate * 0.6, Rate * 0.9)); // one noisy report cannot floor it
        }
        // Ticks come every 100 ms: 10 % a tick doubles the rate in about 0.7 s.
        // Never far above what the typical receiver showed it takes: the backlog is seen only one report late, and at
        // hundreds of MiB/s that is tens of MiB too many. That figure is smoothed over reports and so trails a rising
        // rate by a tick or two (a tenth or more): a ceiling of 1.15 times it held the rise to 2-3 % a tick, and the
        // receivers' cores sat a third idle through the first seconds of a transfer.
        else if (median < CleanLoss && backlog < MaxBacklogBytes / 4)
            Rate = Math.Min(maxRate, Math.Min(Rate * GrowthPerTick,
                typical.BytesPerSecond > 0 ? Math.Max(Rate, typical.BytesPerSecond * TakenHeadroom) : Rate * GrowthPerTick));

        return Evictions(reporting, median, now);
    }

    private static List<TrackedReceiver> Evictions(List<TrackedReceiver> reporting, double median, DateTime now)
    {
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
