using System.Management.Automation;
using System.Management.Automation.Runspaces;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Logging;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Jobs;

/// <summary>
/// An engine run as a PowerShell job, so Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job all work on it.
/// Output arrives in order; engine errors become ErrorRecords; progress and log events fill the job's streams.
/// The job stops when the runspace that created it closes, and Remove-Job releases everything it holds.
/// </summary>
public sealed class PeerStorageJob : Job
{
    private readonly object _gate = new();
    private Runspace? _owner;
    private JobRun? _run;
    private bool _stopRequested;
    private string _statusMessage = "Queued";

    internal PeerStorageJob(string command, string name, string location) : base(command, name)
    {
        PSJobTypeName = "PeerStorageJob";
        Location = location;
    }

    public override string Location { get; }
    public override string StatusMessage => _statusMessage;
    public override bool HasMoreData => Output.Count > 0 || Error.Count > 0 || Warning.Count > 0 || Verbose.Count > 0
                                        || Progress.Count > 0 || Information.Count > 0 || Debug.Count > 0;

    /// <summary>The node home the job works on, so a job pipes into the node cmdlets by property name.</summary>
    public string NodePath => Location;

    /// <summary>The engine's durable run id (Get-PeerJob -Id).</summary>
    public long RunId => _run?.Id ?? 0;

    /// <summary>Starts the engine run behind this job and ties the job to the runspace that created it.</summary>
    internal void Start(JobRunner runner, JobSpec spec, Func<JobContext, Task> work)
    {
        _owner = Runspace.DefaultRunspace;
        if (_owner is not null) _owner.StateChanged += OnOwnerStateChanged;
        var run = runner.Start(spec, work, new JobObserver(this));
        lock (_gate)
        {
            _run = run;
            run.StateChanged += OnRunStateChanged;
            // The run may have changed state before we subscribed.
            OnRunStateChanged(run, run.State);
            if (_stopRequested) run.Stop();
        }
    }

    private void OnRunStateChanged(JobRun run, PeerJobState state)
    {
        lock (_gate)
        {
            if (IsFinishedState(JobStateInfo.State)) return;
            switch (state)
            {
                case PeerJobState.Queued:
                    break;
                case PeerJobState.Running:
                    _statusMessage = "Running";
                    if (JobStateInfo.State == JobState.NotStarted) SetJobState(JobState.Running);
                    break;
                case PeerJobState.Completed:
                    _statusMessage = "Completed";
                    Finish(JobState.Completed, null);
                    break;
                case PeerJobState.Stopped:
                    _statusMessage = "Stopped";
                    Finish(JobState.Stopped, null);
                    break;
                default:
                    _statusMessage = run.Error?.Message ?? "Failed";
                    var error = run.Error ?? new PeerStorageException("JobFailed", PeerErrorKind.Unspecified, "The job failed.");
                    Error.Add(ErrorRecords.From(error, "JobFailed", ErrorCategory.NotSpecified, Location));
                    Finish(JobState.Failed, error);
                    break;
            }
        }
    }

    private void Finish(JobState state, Exception? reason)
    {
        if (JobStateInfo.State == JobState.NotStarted) SetJobState(JobState.Running);
        Detach();
        SetJobState(state); // the reason of a failure is already in the Error stream
    }

    private static bool IsFinishedState(JobState state) => state is JobState.Completed or JobState.Failed or JobState.Stopped;

    private void OnOwnerStateChanged(object? sender, RunspaceStateEventArgs e)
    {
        if (e.RunspaceStateInfo.State is RunspaceState.Closing or RunspaceState.Closed or RunspaceState.Broken)
            StopJob();
    }

    private void Detach()
    {
        if (_owner is not null) _owner.StateChanged -= OnOwnerStateChanged;
        _owner = null;
    }

    public override void StopJob()
    {
        JobRun? run;
        lock (_gate)
        {
            if (IsFinishedState(JobStateInfo.State)) return;
            _stopRequested = true;
            run = _run;
            if (JobStateInfo.State is JobState.Running or JobState.NotStarted) SetJobState(JobState.Stopping);
        }
        if (run is null) return;
        run.Stop();
        // Stop-Job waits for the job to stop; the engine work gets a bounded time to wind down.
        run.Completion.Wait(TimeSpan.FromSeconds(30));
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            StopJob();
            lock (_gate)
            {
                if (_run is not null) _run.StateChanged -= OnRunStateChanged;
                _run = null;
                Detach();
            }
        }
        base.Dispose(disposing);
    }

    /// <summary>Puts engine results into the job's streams (the collections are safe to add to from any thread).</summary>
    private sealed class JobObserver(PeerStorageJob job) : IOperationObserver
    {
        private readonly ProgressThrottle _progress = new();

        public void Output(object item) => job.Output.Add(PSObject.AsPSObject(item));
        public void Error(PeerStorageException error) => job.Error.Add(ErrorRecords.From(error));

        public void Progress(OperationProgress progress)
        {
            ProgressRecord? record;
            lock (_progress) record = _progress.Next(progress);
            if (record is not null) job.Progress.Add(record);
        }

        public void Log(EngineLogEvent e)
        {
            var text = e.Exception is null ? e.Message : $"{e.Message}: {e.Exception.Message}";
            switch (e.Level)
            {
                case EngineLogLevel.Debug: job.Debug.Add(new DebugRecord(text)); break;
                case EngineLogLevel.Information: job.Information.Add(new InformationRecord(text, job.Name)); break;
                case EngineLogLevel.Warning: job.Warning.Add(new WarningRecord(text)); break;
                default: job.Verbose.Add(new VerboseRecord(text)); break;
            }
        }
    }
}
