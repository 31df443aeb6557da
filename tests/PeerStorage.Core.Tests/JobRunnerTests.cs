using System.Collections.Concurrent;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Node;
using Serilog;

namespace PeerStorage.Core.Tests;

/// <summary>Records everything a run reports, in order.</summary>
internal sealed class RecordingObserver : IOperationObserver
{
    public ConcurrentQueue<object> Items { get; } = new();
    public void Output(object item) => Items.Enqueue(item);
    public void Error(PeerStorageException error) => Items.Enqueue(error);
    public void Progress(OperationProgress progress) => Items.Enqueue(progress);
    public void Log(EngineLogEvent logEvent) => Items.Enqueue(logEvent);
}

public sealed class JobRunnerTests : IDisposable
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);
    private readonly TempDirectory _dir = new();
    private readonly NodeHome _home;

    public JobRunnerTests() => _home = NodeHome.Initialize(_dir.Path, new NodeInitOptions("runner", 0));

    public void Dispose()
    {
        _home.Dispose();
        _dir.Dispose();
    }

    private IReadOnlyList<PeerJobRecord> Records() => JobRecords.List(_home.State, _home.NodeId.ToString(), new JobRecordFilter());

    [Fact]
    public async Task A_run_reports_output_in_order_and_leaves_a_completed_record_with_its_bytes()
    {
        await using var runner = new JobRunner(_home.State, _home.Log);
        var observer = new RecordingObserver();
        var run = runner.Start(new JobSpec("Copy", "copy things"), async context =>
        {
            for (var i = 0; i < 100; i++)
            {
                context.Output(i);
                context.AddBytes(1000);
                if (i % 10 == 0) await Task.Yield();
            }
            context.Logger.Information("copied {Count} items", 100);
        }, observer);
        await run.Completion.WaitAsync(Patience);

        Assert.Equal(PeerJobState.Completed, run.State);
        Assert.Equal(Enumerable.Range(0, 100), observer.Items.OfType<int>());
        Assert.Contains(observer.Items.OfType<EngineLogEvent>(), e => e.Message.Contains("copied 100 items"));
        var record = Assert.Single(Records());
        Assert.Equal(run.Id, record.Id);
        Assert.Equal("Copy", record.Kind);
        Assert.Equal(PeerJobState.Completed, record.State);
        Assert.Equal(100_000, record.Bytes);
        Assert.NotNull(record.Started);
        Assert.NotNull(record.Ended);
        Assert.Equal(Environment.ProcessId, record.ProcessId);
    }

    [Fact]
    public async Task Progress_events_reach_the_observer_in_order_with_the_output()
    {
        await using var runner = new JobRunner(_home.State, _home.Log);
        var observer = new RecordingObserver();
        var run = runner.Start(new JobSpec("Copy", "copy with progress"), async context =>
        {
            for (var i = 0; i < 4; i++)
            {
                context.Progress(new OperationProgress("Copying", $"item {i}", i * 25, TimeSpan.FromSeconds(4 - i), ActivityId: 3));
                context.Output(i);
                await Task.Yield();
            }
            context.Progress(new OperationProgress("Copying", "Done", 100, Completed: true, ActivityId: 3));
        }, observer);
        await run.Completion.WaitAsync(Patience);

        Assert.Equal(PeerJobState.Completed, run.State);
        var reported = observer.Items.Where(i => i is OperationProgress or int).Select(i => i switch
        {
            OperationProgress { Completed: true } p => $"done {p.Activity}#{p.ActivityId}",
            OperationProgress p => $"{p.Activity}#{p.ActivityId} {p.Status} {p.PercentComplete}% {p.Remaining?.TotalSeconds}s",
            _ => $"out {i}",
        });
        Assert.Equal(
        [
            "Copying#3 item 0 0% 4s", "out 0",
            "Copying#3 item 1 25% 3s", "out 1",
            "Copying#3 item 2 50% 2s", "out 2",
            "Copying#3 item 3 75% 1s", "out 3",
            "done Copying#3",
        ], reported);
    }

    [Fact]
    public async Task A_failing_run_records_its_error()
    {
        await using var runner = new JobRunner(_home.State, _home.Log);
        var run = runner.Start(new JobSpec("Broken", "fails"), _ => throw new InvalidOperationException("disk on fire"), new RecordingObserver());
        await run.Completion.WaitAsync(Patience);
        Assert.Equal(PeerJobState.Failed, run.State);
        Assert.Equal("disk on fire", run.Error?.Message);
        var record = Assert.Single(Records());
        Assert.Equal(PeerJobState.Failed, record.State);
        Assert.Equal("disk on fire", record.Error);
    }

    [Fact]
    public async Task Stopping_cancels_a_running_run_and_a_queued_one_never_starts()
    {
        await using var runner = new JobRunner(_home.State, _home.Log, new Dictionary<string, int> { ["one"] = 1 });
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var first = runner.Start(new JobSpec("Long", "waits", "one"), async context =>
        {
            started.SetResult();
            await Task.Delay(Timeout.Infinite, context.CancellationToken);
        }, new RecordingObserver());
        await started.Task.WaitAsync(Patience);
        var secondRan = false;
        var second = runner.Start(new JobSpec("Queued", "never runs", "one"), _ => { secondRan = true; return Task.CompletedTask; }, new RecordingObserver());
        await Task.Delay(200); // time enough to start, were the pool not full
        Assert.Equal(PeerJobState.Queued, second.State);

        second.Stop();
        first.Stop();
        await Task.WhenAll(first.Completion, second.Completion).WaitAsync(Patience);
        Assert.Equal(PeerJobState.Stopped, first.State);
        Assert.Equal(PeerJobState.Stopped, second.State);
        Assert.False(secondRan);
        Assert.All(Records(), r => Assert.Equal(PeerJobState.Stopped, r.State));
    }

    [Fact]
    public async Task Each_pool_has_its_own_throttle()
    {
        await using var runner = new JobRunner(_home.State, _home.Log, new Dictionary<string, int> { ["narrow"] = 1, ["wide"] = 3 });
        var concurrent = new ConcurrentDictionary<string, int>();
        var peak = new ConcurrentDictionary<string, int>();
        async Task Work(string pool, JobContext context)
        {
            var now = concurrent.AddOrUpdate(pool, 1, (_, n) => n + 1);
            peak.AddOrUpdate(pool, now, (_, p) => Math.Max(p, now));
            await Task.Delay(150, context.CancellationToken);
            concurrent.AddOrUpdate(pool, 0, (_, n) => n - 1);
        }
        var runs = new List<JobRun>();
        for (var i = 0; i < 6; i++)
        {
            runs.Add(runner.Start(new JobSpec("N", "narrow", "narrow"), c => Work("narrow", c), new RecordingObserver()));
            runs.Add(runner.Start(new JobSpec("W", "wide", "wide"), c => Work("wide", c), new RecordingObserver()));
        }
        await Task.WhenAll(runs.Select(r => r.Completion)).WaitAsync(Patience);
        Assert.All(runs, r => Assert.Equal(PeerJobState.Completed, r.State));
        Assert.Equal(1, peak["narrow"]);
        Assert.Equal(3, peak["wide"]); // the narrow pool's queue did not hold the wide one back
    }

    [Fact]
    public void Runs_left_running_by_a_dead_process_are_marked_interrupted()
    {
        // A record as a crashed process would have left it: Running, owned by a pid that no longer exists.
        _home.State.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = "INSERT INTO job_runs(kind, pool, description, state, queued, started, process_id) VALUES('Backup', 'default', 'x', 'Running', $now, $now, 2147483000)";
            command.Parameters.AddWithValue("$now", DateTimeOffset.UtcNow.ToString("O"));
            command.ExecuteNonQuery();
        });
        _ = new JobRunner(_home.State, _home.Log);
        var record = Assert.Single(Records());
        Assert.Equal(PeerJobState.Interrupted, record.State);
        Assert.NotNull(record.Error);
    }

    [Fact]
    public async Task Log_events_reach_only_the_run_that_caused_them()
    {
        await using var runner = new JobRunner(_home.State, _home.Log);
        var a = new RecordingObserver();
        var b = new RecordingObserver();
        var runA = runner.Start(new JobSpec("A", "a"), c => { c.Logger.Warning("from A"); return Task.CompletedTask; }, a);
        var runB = runner.Start(new JobSpec("B", "b"), c => { c.Logger.Warning("from B"); return Task.CompletedTask; }, b);
        await Task.WhenAll(runA.Completion, runB.Completion).WaitAsync(Patience);
        Assert.Contains(a.Items.OfType<EngineLogEvent>(), e => e.Message == "from A" && e.Level == EngineLogLevel.Warning);
        Assert.DoesNotContain(a.Items.OfType<EngineLogEvent>(), e => e.Message == "from B");
        Assert.DoesNotContain(b.Items.OfType<EngineLogEvent>(), e => e.Message == "from A");
    }

    [Fact]
    public async Task Filters_select_records_by_kind_state_and_recency()
    {
        await using var runner = new JobRunner(_home.State, _home.Log);
        for (var i = 0; i < 5; i++)
            await runner.Start(new JobSpec(i % 2 == 0 ? "Even" : "Odd", $"run {i}"), _ => Task.CompletedTask, new RecordingObserver()).Completion.WaitAsync(Patience);
        var nodeId = _home.NodeId.ToString();
        Assert.Equal(3, JobRecords.List(_home.State, nodeId, new JobRecordFilter(Kinds: ["even"])).Count);
        var last2 = JobRecords.List(_home.State, nodeId, new JobRecordFilter(Last: 2));
        Assert.Equal(["run 3", "run 4"], last2.Select(r => r.Description));
        Assert.Empty(JobRecords.List(_home.State, nodeId, new JobRecordFilter(States: [PeerJobState.Failed])));
    }
}
