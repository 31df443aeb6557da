using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;

namespace PeerStorage.Agent;

/// <summary>
/// Runs the node for as long as the host runs. It is a plain hosted service rather than a BackgroundService on
/// purpose: StartAsync returns only once the node listens (or throws why it cannot), so systemd's READY=1 and the
/// Windows service's Running state mean "answers on its port", and a failed start ends the host with an exit code.
/// The node runs inside a job run (Kind PeerNode) so Get-PeerJob in any session sees the agent's run and how it ended.
/// </summary>
public sealed class NodeService(AgentSettings settings, IHostApplicationLifetime lifetime, AgentExitStatus exit,
    ILoggerFactory loggers, ILogger<NodeService> log)
    : IHostedService, IAsyncDisposable
{
    public const string JobKind = "PeerNode";
    /// <summary>The log category of the engine's own events, apart from the agent's.</summary>
    public const string NodeLogCategory = "PeerStorage.Node";

    private NodeHome? _home;
    private JobRunner? _runner;
    private JobRun? _run;
    private bool _stopping;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            log.LogInformation("peerstorage-agent {Version} starting; node home {Path}; configuration from {Files}",
                EngineInfo.Version, settings.NodePath, settings.ConfigFiles.Count == 0 ? "the command line and environment" : string.Join(", ", settings.ConfigFiles));
            _home = AgentNodeHome.Open(settings, log);
            _runner = new JobRunner(_home.State, _home.Log);
            var started = new TaskCompletionSource<NodeRuntime>(TaskCreationOptions.RunContinuationsAsynchronously);
            var spec = new JobSpec(JobKind, $"Node {_home.Name} in peerstorage-agent (process {Environment.ProcessId})", JobPools.Service);
            _run = _runner.Start(spec, context => RunNodeAsync(context, started), new LoggerObserver(loggers.CreateLogger(NodeLogCategory)));

            // The run may end before the node starts (a failure, or a stop while queued): never wait on one without the other.
            await Task.WhenAny(started.Task, _run.Completion).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (!started.Task.IsCompletedSuccessfully)
                throw _run.Error ?? started.Task.Exception?.InnerException ?? new InvalidOperationException($"The node's run ended as {_run.State} before the node started.");
            _ = _run.Completion.ContinueWith(_ => OnRunEnded(), CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        }
        catch (Exception e)
        {
            ReportStartFailure(e);
            await CleanUpAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task RunNodeAsync(JobContext context, TaskCompletionSource<NodeRuntime> started)
    {
        NodeRuntime runtime;
        try
        {
            runtime = await NodeRuntime.StartAsync(_home!, context.CancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            started.TrySetException(e);
            throw;
        }
        started.TrySetResult(runtime);
        try
        {
            await Task.WhenAny(runtime.Completion, Task.Delay(Timeout.InfiniteTimeSpan, context.CancellationToken)).ConfigureAwait(false);
        }
        finally
        {
            await runtime.DisposeAsync().ConfigureAwait(false); // releases the runtime record
        }
    }

    /// <summary>A run that ends while the host is not stopping leaves an agent without a node: stop the host too.</summary>
    private void OnRunEnded()
    {
        if (Volatile.Read(ref _stopping) || lifetime.ApplicationStopping.IsCancellationRequested) return;
        if (_run!.State == PeerJobState.Failed)
        {
            log.LogError("The node failed: {Message}; the agent stops", _run.Error?.Message);
            exit.Fail(AgentExitCodes.Failure);
        }
        else log.LogWarning("The node stopped without the agent asking ({State}); the agent stops too", _run.State);
        lifetime.StopApplication();
    }

    private void ReportStartFailure(Exception e)
    {
        switch (e)
        {
            case OperationCanceledException:
                log.LogInformation("Stopped while the node was starting");
                break;
            case PeerStorageException { ErrorId: "NodeHomeNotFound" } missing:
                log.LogError("The node cannot start: {Message} Or start the agent with --Initialize to create it.", missing.Message);
                break;
            case PeerStorageException expected:
                log.LogError("The node cannot start: {Message}", expected.Message);
                break;
            default:
                log.LogError(e, "The node cannot start: {Message}", e.Message);
                break;
        }
        if (e is not OperationCanceledException) _home?.Log.Error("The agent could not start the node: {Message}", e.Message);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_run is null) return;
        Volatile.Write(ref _stopping, true);
        _run.Stop();
        try
        {
            await _run.Completion.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            log.LogError("The node did not stop within the shutdown timeout");
            exit.Fail(AgentExitCodes.Failure);
            return;
        }
        if (_run.State == PeerJobState.Failed) exit.Fail(AgentExitCodes.Failure); // OnRunEnded or the runner has said why
        else log.LogInformation("The node stopped; run {JobId} ended {State}", _run.Id, _run.State);
        await CleanUpAsync().ConfigureAwait(false);
    }

    private async Task CleanUpAsync()
    {
        if (_runner is not null) await _runner.DisposeAsync().ConfigureAwait(false); // stops and waits for any run left
        _runner = null;
        _home?.Dispose();
        _home = null;
    }

    public async ValueTask DisposeAsync() => await CleanUpAsync().ConfigureAwait(false);
}
