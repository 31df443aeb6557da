using System.Management.Automation;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Logging;
using PeerStorage.PowerShell.Loading;

namespace PeerStorage.PowerShell.Infrastructure;

/// <summary>
/// The base of every PeerStorage cmdlet: runs engine work on a worker thread, writes its output, errors, progress
/// and log events from the pipeline thread, and cancels it when the user presses Ctrl+C (StopProcessing).
/// </summary>
public abstract class PeerStorageCmdlet : PSCmdlet, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Cancelled when the pipeline is stopped.</summary>
    protected CancellationToken StopToken => _stopping.Token;

    protected override void BeginProcessing() => ModuleInitializer.Register();

    protected override void StopProcessing() => _stopping.Cancel();

    /// <summary>
    /// Runs <paramref name="work"/> off the pipeline thread and pumps what it reports here until it ends. Engine
    /// failures come back as <see cref="PeerStorageException"/>; a stopped pipeline as PipelineStoppedException.
    /// </summary>
    internal T RunEngine<T>(Func<IOperationObserver, CancellationToken, Task<T>> work, int progressParent = -1)
    {
        var observer = new PipelineObserver();
        var token = _stopping.Token;
        var task = Task.Run(async () =>
        {
            using var relay = LogRelay.Begin(observer.Log);
            try { return await work(observer, token).ConfigureAwait(false); }
            finally { observer.Complete(); }
        });
        var progress = new ProgressThrottle(progressParent);
        try
        {
            foreach (var item in observer.Drain(CancellationToken.None))
                Dispatch(item, progress);
        }
        finally
        {
            foreach (var done in progress.CompleteAll()) WriteProgress(done);
        }
        try
        {
            return task.GetAwaiter().GetResult();
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
            throw new PipelineStoppedException();
        }
    }

    /// <summary>
    /// Runs engine work for one pipeline item: an engine failure becomes that item's error record (its id, its
    /// category, <paramref name="target"/>) and the cmdlet goes on with the next item.
    /// </summary>
    internal bool TryRunEngine<T>(Func<IOperationObserver, CancellationToken, Task<T>> work, object? target, out T result)
    {
        try
        {
            result = RunEngine(work);
            return true;
        }
        catch (PeerStorageException e)
        {
            WriteError(ErrorRecords.From(e, target));
            result = default!;
            return false;
        }
    }

    /// <summary>Synchronous engine work for one pipeline item, handled the same way.</summary>
    internal bool TryRunEngine<T>(Func<T> work, object? target, out T result) =>
        TryRunEngine((_, _) => Task.FromResult(work()), target, out result);

    internal void RunEngine(Func<IOperationObserver, CancellationToken, Task> work) =>
        RunEngine<object?>(async (o, t) => { await work(o, t).ConfigureAwait(false); return null; });

    private void Dispatch(object item, ProgressThrottle progress)
    {
        switch (item)
        {
            case PipelineObserver.OutputItem output:
                WriteObject(output.Value);
                break;
            case PeerStorageException error:
                WriteError(ErrorRecords.From(error));
                break;
            case OperationProgress p:
                if (progress.Next(p) is { } record) WriteProgress(record);
                break;
            case EngineLogEvent log:
                WriteLog(log);
                break;
        }
    }

    /// <summary>Engine log events on the matching stream; each honours its preference variable.</summary>
    private void WriteLog(EngineLogEvent e)
    {
        var text = e.Exception is null ? e.Message : $"{e.Message}: {e.Exception.Message}";
        switch (e.Level)
        {
            case EngineLogLevel.Debug: WriteDebug(text); break;
            case EngineLogLevel.Verbose: WriteVerbose(text); break;
            case EngineLogLevel.Information: WriteInformation(new InformationRecord(text, MyInvocation.MyCommand?.Name ?? "PeerStorage")); break;
            case EngineLogLevel.Warning: WriteWarning(text); break;
            // A failure reaches the user once, as an error record from the exception; its log line is context.
            case EngineLogLevel.Error: WriteVerbose(text); break;
        }
    }

    /// <summary>Ends the cmdlet with an engine failure.</summary>
    protected void Terminate(PeerStorageException e, object? target = null) => ThrowTerminatingError(ErrorRecords.From(e, target));

    public void Dispose() => _stopping.Dispose();
}
