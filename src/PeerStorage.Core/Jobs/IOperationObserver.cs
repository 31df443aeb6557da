using PeerStorage.Core.Logging;

namespace PeerStorage.Core.Jobs;

/// <summary>Progress of long work, as the engine reports it. The cmdlet layer throttles and shows it.</summary>
public sealed record OperationProgress(string Activity, string Status, int PercentComplete = -1, TimeSpan? Remaining = null, bool Completed = false, int ActivityId = 0);

/// <summary>
/// Where long work sends what it produces: output items in order, non-terminating errors, progress and log events.
/// A cmdlet drains these on its pipeline thread; the PowerShell job adapter puts them in the job's streams.
/// Implementations must accept calls from any thread.
/// </summary>
public interface IOperationObserver
{
    void Output(object item);
    void Error(PeerStorageException error);
    void Progress(OperationProgress progress);
    void Log(EngineLogEvent logEvent);
}
