using System.Management.Automation;
using PeerStorage.Core.Jobs;

namespace PeerStorage.PowerShell.Infrastructure;

/// <summary>
/// Turns engine progress into ProgressRecords at most every <see cref="Interval"/> per activity (a record per block
/// would slow a transfer and flood the host), and closes every activity it opened with Completed.
/// </summary>
internal sealed class ProgressThrottle(int parentActivityId = -1, TimeProvider? time = null)
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private readonly TimeProvider _time = time ?? TimeProvider.System;
    private readonly Dictionary<int, (long LastTicks, ProgressRecord Record)> _open = new();

    /// <summary>The record to write now, or null when this one should be skipped.</summary>
    public ProgressRecord? Next(OperationProgress progress)
    {
        var now = _time.GetTimestamp();
        var id = progress.ActivityId + 1; // 0 is reserved for the host's own activity in some hosts
        if (progress.Completed)
        {
            if (!_open.Remove(id, out var open)) return null;
            return Complete(open.Record);
        }
        if (_open.TryGetValue(id, out var last) && _time.GetElapsedTime(last.LastTicks, now) < Interval && progress.PercentComplete < 100)
            return null;
        var record = new ProgressRecord(id, progress.Activity, string.IsNullOrEmpty(progress.Status) ? "Working" : progress.Status)
        {
            PercentComplete = Math.Clamp(progress.PercentComplete, -1, 100),
            SecondsRemaining = progress.Remaining is { } r ? (int)Math.Ceiling(r.TotalSeconds) : -1,
            ParentActivityId = parentActivityId,
        };
        _open[id] = (now, record);
        return record;
    }

    /// <summary>Completed records for every activity still open.</summary>
    public IEnumerable<ProgressRecord> CompleteAll()
    {
        var records = _open.Values.Select(v => Complete(v.Record)).ToList();
        _open.Clear();
        return records;
    }

    private static ProgressRecord Complete(ProgressRecord open) => new(open.ActivityId, open.Activity, "Completed")
    {
        RecordType = ProgressRecordType.Completed,
        ParentActivityId = open.ParentActivityId,
    };
}
