using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Tests;

/// <summary>A clock that moves only when the test says so.</summary>
internal sealed class ManualClock : TimeProvider
{
    private long _ticks = 1_000_000;
    public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    public override long GetTimestamp() => _ticks;
    public void Advance(TimeSpan by) => _ticks += by.Ticks;
}

/// <summary>
/// What the host is shown of engine progress: at most one record per <see cref="ProgressThrottle.Interval"/> per
/// activity, and every activity it showed closed with exactly one Completed record.
/// </summary>
public sealed class ProgressThrottleTests
{
    private readonly ManualClock _clock = new();

    private ProgressThrottle Throttle(int parent = -1) => new(parent, _clock);

    private static OperationProgress Step(int percent, int activity = 0, string status = "copying") =>
        new($"Activity {activity}", status, percent, ActivityId: activity);

    private static OperationProgress Done(int activity = 0) => new($"Activity {activity}", "Done", 100, Completed: true, ActivityId: activity);

    [Fact]
    public void At_most_one_record_per_interval_per_activity()
    {
        var throttle = Throttle();
        var shown = new List<ProgressRecord>();
        // 100 updates 10 ms apart: one second of work, percentages below 100.
        for (var i = 0; i < 100; i++)
        {
            if (throttle.Next(Step(i)) is { } record) shown.Add(record);
            _clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        // Shown at 0, 250, 500 and 750 ms: every 25th update, no more.
        Assert.Equal([0, 25, 50, 75], shown.Select(r => r.PercentComplete));
        Assert.All(shown, r => Assert.Equal(ProgressRecordType.Processing, r.RecordType));
    }

    [Fact]
    public void A_record_passes_again_once_the_interval_has_elapsed()
    {
        var throttle = Throttle();
        Assert.NotNull(throttle.Next(Step(1)));
        _clock.Advance(ProgressThrottle.Interval - TimeSpan.FromTicks(1));
        Assert.Null(throttle.Next(Step(2)));
        _clock.Advance(TimeSpan.FromTicks(1));
        Assert.Equal(3, throttle.Next(Step(3))?.PercentComplete);
    }

    [Fact]
    public void Activities_are_throttled_separately()
    {
        var throttle = Throttle();
        var first = throttle.Next(Step(10, activity: 0));
        var second = throttle.Next(Step(10, activity: 1));
        Assert.NotNull(first);
        Assert.NotNull(second);
        Assert.NotEqual(first.ActivityId, second.ActivityId);
        Assert.Null(throttle.Next(Step(20, activity: 0)));
        Assert.Null(throttle.Next(Step(20, activity: 1)));
    }

    [Fact]
    public void Completed_passes_inside_the_interval_and_closes_the_activity()
    {
        var throttle = Throttle(parent: 7);
        var open = throttle.Next(Step(40, status: "half way"));
        Assert.NotNull(open);
        Assert.Null(throttle.Next(Step(41)));

        var completed = throttle.Next(Done()); // no time has passed: still it is written
        Assert.NotNull(completed);
        Assert.Equal(ProgressRecordType.Completed, completed.RecordType);
        Assert.Equal(open.ActivityId, completed.ActivityId);
        Assert.Equal(open.Activity, completed.Activity);
        Assert.Equal(7, completed.ParentActivityId);

        // Closed: nothing left for CompleteAll, a second Completed writes nothing, and the activity opens anew at once.
        Assert.Empty(throttle.CompleteAll());
        Assert.Null(throttle.Next(Done()));
        Assert.Equal(5, throttle.Next(Step(5))?.PercentComplete);
    }

    [Fact]
    public void A_hundred_percent_record_is_not_held_back()
    {
        var throttle = Throttle();
        Assert.NotNull(throttle.Next(Step(99)));
        Assert.Equal(100, throttle.Next(Step(100))?.PercentComplete);
    }

    [Fact]
    public void CompleteAll_closes_every_open_activity_once()
    {
        var throttle = Throttle();
        var a = throttle.Next(Step(10, activity: 0))!;
        var b = throttle.Next(Step(10, activity: 3))!;
        var closed = throttle.CompleteAll().ToList();
        Assert.Equal(new[] { a.ActivityId, b.ActivityId }.Order(), closed.Select(r => r.ActivityId).Order());
        Assert.All(closed, r => Assert.Equal(ProgressRecordType.Completed, r.RecordType));
        Assert.Empty(throttle.CompleteAll());
    }

    [Fact]
    public void Records_carry_status_percent_and_time_left_for_the_host()
    {
        var record = Throttle(parent: 2).Next(new OperationProgress("Copying", "", 250, TimeSpan.FromSeconds(3.2)))!;
        Assert.Equal("Copying", record.Activity);
        Assert.Equal("Working", record.StatusDescription); // a host refuses an empty status
        Assert.Equal(100, record.PercentComplete);
        Assert.Equal(4, record.SecondsRemaining);
        Assert.Equal(2, record.ParentActivityId);
        Assert.NotEqual(0, record.ActivityId); // 0 is the host's own activity in some hosts
    }
}
