using System.Collections.Concurrent;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Logging;

namespace PeerStorage.PowerShell.Infrastructure;

/// <summary>
/// Collects what engine work produces on any thread, in order, for the cmdlet to write from its pipeline thread
/// (PowerShell's Write* methods throw when called from another thread).
/// </summary>
internal sealed class PipelineObserver : IOperationObserver
{
    private readonly BlockingCollection<object> _queue = new();

    public void Output(object item) => Add(new OutputItem(item));
    public void Error(PeerStorageException error) => Add(error);
    public void Progress(OperationProgress progress) => Add(progress);
    public void Log(EngineLogEvent logEvent) => Add(logEvent);

    private void Add(object item)
    {
        try { _queue.Add(item); }
        catch (InvalidOperationException) { } // the cmdlet has finished; late events still reach the log file
    }

    public void Complete() => _queue.CompleteAdding();
    public IEnumerable<object> Drain(CancellationToken cancellationToken) => _queue.GetConsumingEnumerable(cancellationToken);

    /// <summary>An output item, boxed so that an engine error object can still be output as data.</summary>
    public sealed record OutputItem(object Value);
}
