using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery;
using PeerStorage.Core.Leasing;
using PeerStorage.Core.Logging;
using PeerStorage.Core.State;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Node;

/// <summary>
/// A running node: the engine's listeners on top of a node home. The same class runs inside a PowerShell session
/// (Start-PeerNode) and in the agent service. It claims the home's runtime record, keeps a heartbeat, and follows
/// settings changed by cmdlets in other processes (a new name is answered at once; a new port rebinds).
/// </summary>
public sealed class NodeRuntime : IAsyncDisposable
{
    private const int MaxConcurrentConnections = 256;
    private const byte TlsHandshakeRecord = 0x16;
    private static readonly TimeSpan SettingsPollInterval = TimeSpan.FromSeconds(1);

    private readonly NodeHome _home;
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _connectionSlots = new(MaxConcurrentConnections);
    private TcpListener _listener;
    private Task _acceptLoop = Task.CompletedTask;
    private Task _maintenanceLoop = Task.CompletedTask;
    private volatile string _name;
    private string? _fleetId;
    private string? _directoryAddress;
    private TimeSpan _directoryRefresh;
    private string _trust = "";
    private MdnsServiceAnnouncer? _announcer;
    private (string Name, int Port, string? FleetId, long Offered) _announced;
    private volatile bool _registerNow;
    private int _configuredPort;
    private int _stopped;

    private NodeRuntime(NodeHome home, TcpListener listener, int configuredPort)
    {
        _home = home;
        _listener = listener;
        _configuredPort = configuredPort;
        _name = home.Name;
        _fleetId = home.Settings.Get(SettingKeys.FleetId);
        _directoryAddress = home.Settings.Get(SettingKeys.DirectoryAddress);
        _directoryRefresh = DirectoryServer.DirectoryRegistration.Interval(home);
        Network = new NodeNetwork(home);
        Leases = new LeaseHost(home);
        LeaseService.Map(Network.Router, home, Leases, _bulkTickets);
        _leaseMaintenance = new LeaseMaintenance(home, Leases);
    }

    public NodeHome Home => _home;
    /// <summary>The peer network this node serves and connects with.</summary>
    public NodeNetwork Network { get; }
    /// <summary>The leases this node hosts for peers.</summary>
    public LeaseHost Leases { get; }
    private readonly LeaseMaintenance _leaseMaintenance;
    /// <summary>Tickets for data channels (bulk bytes beside the TLS sessions that asked for them).</summary>
    private readonly BulkTickets _bulkTickets = new();
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
    public static async Task<NodeRuntime> StartAsync(NodeHome home, CancellationToken cancellationToken = default)
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
        await runtime.AnnounceAsync().ConfigureAwait(false);
        return runtime;
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
            _ = Task.Run(() => ServeConnectionAsync(client));
        }
    }

    /// <summary>One port, two protocols: TLS (the peer transport) or the plain liveness probe, told apart by the first byte.</summary>
    private async Task ServeConnectionAsync(TcpClient client)
    {
        try
        {
            using (client)
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var first = new byte[1];
                using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(_stopping.Token))
                {
                    timeout.CancelAfter(Ping.Timeout);
                    if (await stream.ReadAsync(first, timeout.Token).ConfigureAwait(false) == 0) return;
                }
                var peeked = new PeekedStream(stream, first[0]);
                if (first[0] == TlsHandshakeRecord)
                    await Network.Listener.ServeAsync(peeked, client.Client.RemoteEndPoint, _stopping.Token).ConfigureAwait(false);
                else if (first[0] == BulkChannel.FirstByte)
                {
                    client.ReceiveBufferSize = 4 << 20;
                    await _bulkTickets.AcceptAsync(peeked, _stopping.Token).ConfigureAwait(false);
                }
                else
                    await Ping.AnswerAsync(peeked, () => (_home.NodeId.ToString(), _name), _stopping.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is IOException or InvalidDataException or OperationCanceledException or SocketException or EndOfStreamException or PeerStorageException)
        {
            _home.Log.Debug("Closed a connection from a client: {Reason}", e.Message);
        }
        finally
        {
            _connectionSlots.Release();
        }
    }

    private async Task MaintenanceLoopAsync()
    {
        var lastBeat = DateTimeOffset.UtcNow;
        var nextLeaseSweep = DateTimeOffset.UtcNow; // at once: leases that expired while the node was off
        var leaseWork = Task.CompletedTask;
        var nextRegistration = DateTimeOffset.UtcNow;
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
                    if (DateTimeOffset.UtcNow >= nextRegistration || _registerNow)
                    {
                        _registerNow = false;
                        nextRegistration = DateTimeOffset.UtcNow + _directoryRefresh;
                        _ = RegisterWithDirectoryAsync();
                    }
                    if (DateTimeOffset.UtcNow >= nextLeaseSweep && leaseWork.IsCompleted)
                    {
                        // Off this loop: wiping a large lease takes a while, and the heartbeat must go on meanwhile.
                        nextLeaseSweep = DateTimeOffset.UtcNow + LeaseMaintenance.Interval;
                        leaseWork = Task.Run(RunLeaseMaintenance);
                    }
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

    /// <summary>
    /// Announces the node on the local link (mDNS/DNS-SD), replacing an earlier announcement. Discovery is a
    /// convenience: when multicast is off or unavailable the node runs on and says so in its log.
    /// </summary>
    private async Task AnnounceAsync()
    {
        var options = DiscoveryPolicy.Current();
        var previous = Interlocked.Exchange(ref _announcer, null);
        if (previous is not null) await previous.DisposeAsync().ConfigureAwait(false);
        if (options is null) return;
        var txt = PeerStorageService.Txt(_home.NodeId.ToString(), _fleetId, EngineInfo.ProtocolVersion, OfferedBytes(), _name);
        var announcer = new MdnsServiceAnnouncer(PeerStorageService.Registration(_name, Port, txt), options, _home.Log);
        try
        {
            await announcer.StartAsync().ConfigureAwait(false);
            _announcer = announcer;
            _announced = (_name, Port, _fleetId, OfferedBytes());
        }
        catch (PeerStorageException e)
        {
            await announcer.DisposeAsync().ConfigureAwait(false);
            _home.Log.Warning("The node is not announced on the local link: {Reason}", e.Message);
        }
    }

    private long OfferedBytes() => long.TryParse(_home.Settings.Get(SettingKeys.OfferedBytes), out var bytes) ? bytes : 0;

    /// <summary>A new name or port needs a new registration; a new fleet or capacity only a new TXT record.</summary>
    private async Task RefreshAnnouncementAsync()
    {
        try
        {
            var current = (_name, Port, _fleetId, OfferedBytes());
            if (current == _announced || DiscoveryPolicy.Current() is null) return;
            if (_announcer is { } announcer && current.Item1 == _announced.Name && current.Item2 == _announced.Port)
            {
                await announcer.UpdateTxtAsync(PeerStorageService.Txt(_home.NodeId.ToString(), _fleetId, EngineInfo.ProtocolVersion, current.Item4, _name)).ConfigureAwait(false);
                _announced = current;
            }
            else await AnnounceAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is PeerStorageException or IOException or System.Net.Sockets.SocketException or ObjectDisposedException)
        {
            _home.Log.Warning("Could not update the node's announcement: {Reason}", e.Message);
        }
    }

    private async Task RegisterWithDirectoryAsync()
    {
        try
        {
            var entry = await DirectoryServer.DirectoryRegistration.RegisterAsync(_home, Network, Port, _stopping.Token).ConfigureAwait(false);
            if (entry is not null) _home.Log.Debug("Registered with the directory as {Name} at {Addresses}", entry.Name, string.Join(", ", entry.Addresses));
        }
        catch (Exception e) when (e is PeerStorageException or IOException or SocketException)
        {
            _home.Log.Warning("Could not register with the directory server: {Reason}", e.Message);
        }
        catch (OperationCanceledException)
        {
        }
    }

    private void RunLeaseMaintenance()
    {
        try
        {
            _leaseMaintenance.Run();
        }
        catch (Exception e) when (e is PeerStorageException or IOException)
        {
            _home.Log.Warning("Lease maintenance failed; retrying: {Reason}", e.Message);
        }
    }

    private void ApplySettings()
    {
        var settings = _home.Settings.All();
        if (settings.GetValueOrDefault(SettingKeys.DirectoryAddress) != _directoryAddress)
        {
            _directoryAddress = settings.GetValueOrDefault(SettingKeys.DirectoryAddress);
            _registerNow = true;
        }
        var refresh = DirectoryServer.DirectoryRegistration.Interval(settings.GetValueOrDefault(SettingKeys.DirectoryRefreshSeconds));
        if (refresh != _directoryRefresh)
        {
            _directoryRefresh = refresh;
            _registerNow = true; // and from now on at the new interval, not at the end of the old one
        }
        // This runs on every commit by another connection, our own heartbeat included: act only on what moved.
        var credentialsChanged = false;
        if (settings.GetValueOrDefault(SettingKeys.FleetId) != _fleetId)
        {
            _fleetId = settings.GetValueOrDefault(SettingKeys.FleetId);
            _home.ReloadIdentity(); // a fleet certificate was installed
            credentialsChanged = true;
        }
        var name = settings.GetValueOrDefault(SettingKeys.Name) ?? _name;
        if (name != _name)
        {
            _home.Log.Tell("Node renamed from {Old} to {New}", _name, name);
            _name = name;
            credentialsChanged = true;
        }
        if (credentialsChanged) Network.RefreshCredentials();
        var trust = TrustFingerprint.Read(_home.State);
        if (credentialsChanged || trust != _trust)
        {
            _trust = trust;
            var dropped = Network.Revalidate();
            if (dropped > 0) _home.Log.Warning("Closed {Count} session(s) with peers no longer trusted", dropped);
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
        _ = RefreshAnnouncementAsync();
    }

    /// <summary>Stops listening, waits for the loops and releases the runtime record.</summary>
    public async Task StopAsync()
    {
        if (Interlocked.Exchange(ref _stopped, 1) == 1)
        {
            await Completion.ConfigureAwait(false);
            return;
        }
        if (Interlocked.Exchange(ref _announcer, null) is { } announcer)
            await announcer.DisposeAsync().ConfigureAwait(false); // goodbyes first, while the port still answers
        _stopping.Cancel();
        _listener.Stop();
        await Network.DisposeAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_acceptLoop, _maintenanceLoop).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            _home.Log.Warning(e, "A node loop ended with an error while stopping");
        }
        Leases.Dispose(); // after the sessions closed: no upload is still writing into a vault
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
