using PeerStorage.Core.Multicast.Net;
using System.Net;
using System.Net.Sockets;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// The control port of a session: one socket, a thread that hands every datagram (with its sender's address) to the
/// role that is running, and sends to the group. Control traffic is a few packets per receiver per second.
/// </summary>
internal sealed class ControlChannel : IDisposable
{
    private readonly Socket _socket;
    private readonly MulticastEndpoint _endpoint;
    private readonly ILogger _log;
    private readonly CancellationTokenSource _stop = new();
    private readonly Thread _thread;
    private volatile Action<ReadOnlyMemory<byte>, IPAddress>? _handler;

    public ControlChannel(MulticastEndpoint endpoint, ILogger log)
    {
        _endpoint = endpoint;
        _log = log;
        _socket = Net.MulticastSockets.OpenControl(endpoint);
        _socket.ReceiveTimeout = 200;
        _thread = new Thread(ReceiveLoop) { IsBackground = true, Name = "imaging-control" };
        _thread.Start();
    }

    /// <summary>Who gets incoming datagrams now (null: they are dropped).</summary>
    public Action<ReadOnlyMemory<byte>, IPAddress>? Handler
    {
        get => _handler;
        set => _handler = value;
    }

    public void Send(ReadOnlySpan<byte> datagram)
    {
        try
        {
            _socket.SendTo(datagram, SocketFlags.None, _endpoint.ControlEndPoint);
        }
        catch (SocketException e)
        {
            _log.Debug("Control send failed: {Error}", e.SocketErrorCode);
        }
    }

    private void ReceiveLoop()
    {
        var buffer = new byte[65536];
        EndPoint from = new IPEndPoint(IPAddress.Any, 0);
        while (!_stop.IsCancellationRequested)
        {
            int length;
            try
            {
                length = _socket.ReceiveFrom(buffer, ref from);
            }
            catch (SocketException e) when (e.SocketErrorCode is SocketError.TimedOut or SocketError.WouldBlock or SocketError.Interrupted)
            {
                continue;
            }
            catch (Exception e) when (e is SocketException or ObjectDisposedException)
            {
                if (!_stop.IsCancellationRequested) _log.Warning("The imaging control socket failed: {Error}", e.Message);
                return;
            }
            try
            {
                // Handlers parse into their own objects: the buffer is reused for the next datagram.
                _handler?.Invoke(buffer.AsMemory(0, length), ((IPEndPoint)from).Address);
            }
            catch (Exception e)
            {
                _log.Warning(e, "A control datagram from {From} could not be handled", from);
            }
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _socket.Dispose();
        _thread.Join(TimeSpan.FromSeconds(2));
        _stop.Dispose();
    }
}
