using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Transport;
using Serilog;
using Serilog.Core;
using Serilog.Events;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>A loopback TCP listener that hands every accepted socket to a PeerListener, the way the node runtime will.</summary>
internal sealed class LoopbackServer : IAsyncDisposable
{
    private readonly TcpListener _tcp = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentBag<Task> _served = [];
    private readonly Task _acceptLoop;

    public LoopbackServer(PeerListener listener)
    {
        Listener = listener;
        _tcp.Start();
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    public PeerListener Listener { get; }
    public int Port => ((IPEndPoint)_tcp.LocalEndpoint).Port;

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _tcp.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            socket.NoDelay = true;
            _served.Add(Task.Run(() => Listener.ServeAsync(new NetworkStream(socket, ownsSocket: true), socket.RemoteEndPoint, _stop.Token)));
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _tcp.Stop();
        await _acceptLoop;
        await Task.WhenAll(_served).WaitAsync(TimeSpan.FromSeconds(20));
    }
}

/// <summary>Collects log events so tests can check what a node logged about a refused or broken connection.</summary>
internal sealed class LogCollector : ILogEventSink
{
    private readonly ConcurrentQueue<(LogEventLevel Level, string Text)> _events = new();

    public ILogger Logger { get; }

    public LogCollector() => Logger = new LoggerConfiguration().MinimumLevel.Debug().WriteTo.Sink(this).CreateLogger();

    public void Emit(LogEvent logEvent) => _events.Enqueue((logEvent.Level, logEvent.RenderMessage()));

    public IReadOnlyList<string> Messages(LogEventLevel atLeast = LogEventLevel.Debug) =>
        _events.Where(e => e.Level >= atLeast).Select(e => e.Text).ToArray();

    public async Task<string> WaitForAsync(Func<string, bool> match, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (DateTime.UtcNow < deadline)
        {
            var hit = _events.Select(e => e.Text).FirstOrDefault(match);
            if (hit is not null) return hit;
            await Task.Delay(20);
        }
        throw new TimeoutException("Expected log line did not appear. Logged:\n" + string.Join("\n", _events.Select(e => e.Text)));
    }
}

/// <summary>Two nodes, a server with a router and a client, trusting each other unless a test says otherwise.</summary>
internal sealed class TransportPair : IAsyncDisposable
{
    private readonly TestPeers _peers = new();

    public TransportPair(TransportOptions? serverOptions = null, TransportOptions? clientOptions = null, bool serverTrustsClient = true, bool clientTrustsServer = true)
    {
        ServerCredentials = _peers.Create("server");
        ClientCredentials = _peers.Create("client");
        ServerPolicy = serverTrustsClient ? new AllowListPolicy(ClientCredentials.NodeId) : new AllowListPolicy();
        ClientPolicy = clientTrustsServer ? new AllowListPolicy(ServerCredentials.NodeId) : new AllowListPolicy();
        Listener = new PeerListener(ServerCredentials, ServerPolicy, Router, ServerLog.Logger, serverOptions);
        Server = new LoopbackServer(Listener);
        Client = new PeerClient(ClientCredentials, ClientPolicy, clientOptions, ClientLog.Logger);
    }

    public TestPeers Peers => _peers;
    public TransportCredentials ServerCredentials { get; }
    public TransportCredentials ClientCredentials { get; }
    public AllowListPolicy ServerPolicy { get; }
    public AllowListPolicy ClientPolicy { get; }
    public RequestRouter Router { get; } = new();
    public LogCollector ServerLog { get; } = new();
    public LogCollector ClientLog { get; } = new();
    public PeerListener Listener { get; }
    public LoopbackServer Server { get; }
    public PeerClient Client { get; }

    public Task<PeerConnection> ConnectAsync(Core.Node.NodeId? expected = null) => Client.ConnectAsync("127.0.0.1", Server.Port, expected);

    public async ValueTask DisposeAsync()
    {
        await Server.DisposeAsync();
        _peers.Dispose();
    }
}
