using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Logging;
using PeerStorage.Core.State;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Node;

/// <summary>
/// A running node: the engine's listeners on top of a node home. The same class runs inside a PowerShell session
/// (Start-PeerNode) and in the agent service. It claims the home's runtime record, keeps a heartbeat, and follows
/// settings changed by cmdlets in other processes (a new name is answered at once; a new port rebinds).
/// </summary>
public sealed class NodeRuntime : IAsyncDisposable
{
    private const int MaxConcurrentConnections = 256;
    private static readonly TimeSpan SettingsPollInterval = TimeSpan.FromSeconds(1);

    private readonly NodeHome _home;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connectionSlots = new(MaxConcurrentConnections);
    private TcpListener _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _maintenanceLoop = Task.CompletedTask;
    private volatile string _name;
    private int _configuredPort;
    private int _stopped;

    private NodeRuntime(NodeHome home, TcpListener listener, int configuredPort)
    {
        _home = home;
        _listener = listener;
        _configuredPort = configuredPort;
        _name = home.Name;
    }

    public NodeHome Home => _home;
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public NodeId NodeId => _home.NodeId;
    public string Name => _name;

    /// <summary>Set when the runtime has stopped, for whatever reason.</summary>
    public Task Completion => _completion.Task;
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>
    /// Claims the node for this process, then binds its port. Claiming first means a second process on the same
    /// home hears "already running", never a misleading "port in use", and cannot disturb the running node.
    /// </summary>
    public static Task<NodeRuntime> StartAsync(NodeHome home, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var port = home.Port;
        NodeRuntimeRecord.Claim(home.State, port);
        TcpListener listener;
        try
        {
            listener = Bind(port);
        }
        catch
        {
            NodeRuntimeRecord.Release(home.State);
            throw;
        }
        var runtime = new NodeRuntime(home, listener, port);
        NodeRuntimeRecord.Beat(home.State, runtime.Port); // the bound port, when the setting is 0
        runtime._acceptLoop = Task.Run(() => runtime.AcceptLoopAsync(listener));
        runtime._maintenanceLoop = Task.Run(runtime.MaintenanceLoopAsync);
        home.Log.Tell("Node {Name} ({NodeId}) listening on port {Port}", runtime.Name, home.NodeId.ToString(), runtime.Port);
        return Task.FromResult(runtime);
    }

    private static TcpListener Bind(int port)
    {
        try
        {
            TcpListener listener;
            if (Socket.OSSupportsIPv6)
            {
                listener = new TcpListener(IPAddress.IPv6Any, port);
                listener.Server.DualMode = true;
            }
            else listener = new TcpListener(IPAddress.Any, port);
            listener.Start(backlog: 128);
            return listener;
        }
        catch (SocketException e)
        {
            throw new PeerStorageException("NodePortUnavailable", PeerErrorKind.ResourceUnavailable,
                $"The node cannot listen on port {port}: {e.Message}. Choose another with Set-PeerNode -Port.", e, port);
        }
    }

    private async Task AcceptLoopAsync(TcpListener listener)
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stopping.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return; // stopped or rebound
            }
            if (!_connectionSlots.Wait(0))
            {
                client.Dispose(); // shed load rather than queue without bound
                continue;
            }
            _ = Task.Run(async () =>
            {
                try
                {
                    using (client)
                        await Ping.AnswerAsync(client.GetStream(), () => (_home.NodeId.ToString(), _name), _stopping.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or SocketException or EndOfStreamException)
                {
                    _home.Log.Debug("Closed a connection from a client: {Reason}", e.Message);
                }
                finally
                {
                    _connectionSlots.Release();
                }
            });
        }
    }

    private async Task MaintenanceLoopAsync()
    {
        var lastBeat = DateTimeOffset.UtcNow;
        long? dataVersion = null;
        using var watch = _home.State.OpenConnection(); // data_version is per connection: keep one open
        try
        {
            while (!_stopping.IsCancellationRequested)
            {
                await Task.Delay(SettingsPollInterval, _stopping.Token).ConfigureAwait(false);
                try
                {
                    var version = StateDatabase.DataVersion(watch);
                    if (dataVersion is not null && version != dataVersion) ApplySettings();
                    dataVersion = version;
                    if (DateTimeOffset.UtcNow - lastBeat >= NodeRuntimeRecord.HeartbeatInterval)
                    {
                        NodeRuntimeRecord.Beat(_home.State, Port);
                        lastBeat = DateTimeOffset.UtcNow;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _home.Log.Warning(e, "Node maintenance failed; retrying");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void ApplySettings()
    {
        var settings = _home.Settings.All();
        var name = settings.GetValueOrDefault(SettingKeys.Name) ?? _name;
        if (name != _name)
        {
            _home.Log.Tell("Node renamed from {Old} to {New}", _name, name);
            _name = name;
        }
        if (int.TryParse(settings.GetValueOrDefault(SettingKeys.Port), out var port) && port != _configuredPort)
        {
            var old = _listener;
            var replacement = Bind(port); // throws (logged by the caller) and keeps the old listener if the port is taken
            _listener = replacement;
            _configuredPort = port;
            old.Stop();
            _acceptLoop = Task.Run(() => AcceptLoopAsync(replacement));
            NodeRuntimeRecord.Beat(_home.State, Port);
            _home.Log.Tell("Node now listens on port {Port}", Port);
        }
    }

    /// <summary>Stops listening, waits for the loops and releases the runtime record.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        _stopping.Cancel();
        _listener.Stop();
        try
        {
            await Task.WhenAll(_acceptLoop, _maintenanceLoop).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _home.Log.Warning(e, "A node loop ended with an error while stopping");
        }
        try
        {
            NodeRuntimeRecord.Release(_home.State);
        }
        finally
        {
            _home.Log.Tell("Node {Name} stopped", _name);
            _completion.TrySetResult();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        _stopping.Dispose();
    }
}
