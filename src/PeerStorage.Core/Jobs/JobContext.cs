using Serilog;

namespace PeerStorage.Core.Jobs;

/// <summary>What a run's work sees: where to send results, its cancellation, its byte counter and its logger.</summary>
public sealed class JobContext : IOperationObserver
{
    private readonly IOperationObserver _observer;
    private long _bytes;

    internal JobContext(JobRun run, IOperationObserver observer, ILogger log, CancellationToken cancellationToken)
    {
        Run = run;
        _observer = observer;
        Logger = log.ForContext("JobId", run.Id).ForContext("JobKind", run.Kind);
        CancellationToken = cancellationToken;
    }

    public JobRun Run { get; }
    public ILogger Logger { get; }
    public CancellationToken CancellationToken { get; }
    public long Bytes => Interlocked.Read(ref _bytes);

    public void Output(object item) => _observer.Output(item);
    public void Error(PeerStorageException error) => _observer.Error(error);
    public void Progress(OperationProgress progress) => _observer.Progress(progress);
    public void Log(Logging.EngineLogEvent logEvent) => _observer.Log(logEvent);
    public void AddBytes(long count) => Interlocked.Add(ref _bytes, count);
}
