using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;
using PeerStorage.Core.Discovery.Responder;
using Serilog;

namespace PeerStorage.Core.Discovery;

/// <summary>
/// Announces one DNS-SD service instance on the local link by multicast DNS (RFC 6762/6763), on every up,
/// multicast-capable interface over IPv4 and IPv6. After <see cref="StartAsync"/> it probes for its host and
/// instance names (renaming to "Name (2)" / "host-2" on conflict), announces, answers queries until
/// <see cref="StopAsync"/>, which sends goodbyes so browsers drop it at once. It shares port 5353 with avahi or
/// any other responder on the machine.
/// </summary>
/// <example>
/// <code>
/// await using var announcer = new MdnsServiceAnnouncer(PeerStorageService.Registration("lab-pc-07", 47000,
///     PeerStorageService.Txt(nodeId, fleetId: null, protocolVersion: 1, offeredCapacityBytes: 0, "lab-pc-07")), logger: log);
/// await announcer.StartAsync();
/// await announcer.WaitForAnnouncementAsync(ct);   // optional: names are settled
/// await announcer.UpdateTxtAsync(newTxt);          // e.g. the offered capacity changed
/// </code>
/// </example>
public sealed class MdnsServiceAnnouncer : IAsyncDisposable
{
    private readonly IMdnsTransport _transport;
    private readonly MdnsEventLoop _loop;
    private readonly MdnsResponder _responder;
    private readonly ILogger _log;
    private readonly TaskCompletionSource _firstAnnouncement = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile ServiceRecordSet _names;
    private int _state; // 0 created, 1 started, 2 stopped

    /// <param name="registration">What to announce.</param>
    /// <param name="options">Port and interfaces; the defaults are standard mDNS.</param>
    /// <param name="logger">Where protocol events go (malformed packets at Debug); silent when null.</param>
    public MdnsServiceAnnouncer(MdnsServiceRegistration registration, MdnsOptions? options = null, ILogger? logger = null)
        : this(registration, new MdnsSocketTransport(options ?? new MdnsOptions(), Quiet(logger)), Quiet(logger))
    {
    }

    internal MdnsServiceAnnouncer(MdnsServiceRegistration registration, IMdnsTransport transport, ILogger log)
    {
        _names = ToRecordSet(registration);
        _transport = transport;
        _log = log.ForContext<MdnsServiceAnnouncer>();
        _loop = new MdnsEventLoop(_log);
        _responder = new MdnsResponder(_names, _loop, transport, _log);
        _responder.Announced += OnAnnounced;
        _transport.PacketReceived += packet => _loop.TryPostPacket(() => _responder.OnPacket(packet));
        _transport.InterfacesChanged += () => _loop.Post(_responder.OnInterfacesChanged);
    }

    /// <summary>The instance label now in use (differs from the requested one after a conflict).</summary>
    public string InstanceName => _names.InstanceLabel;
    /// <summary>"Instance._service._tcp.local".</summary>
    public string FullName => _names.InstanceName.ToString();
    /// <summary>"host.local" now in use.</summary>
    public string HostName => _names.HostName.ToString();
    /// <summary>Probing has succeeded and the records are announced.</summary>
    public bool IsAnnounced => _firstAnnouncement.Task.IsCompletedSuccessfully && _state == 1;

    /// <summary>Raised (on the mDNS thread) each time probing succeeds: at first, and after a rename.</summary>
    public event EventHandler? Announced;

    /// <summary>Opens the sockets and starts probing; returns without waiting for the probes.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _state, 1, 0) != 0) throw new InvalidOperationException("The announcer was started already.");
        await MdnsStartup.StartTransportAsync(_transport, () =>
        {
            _state = 2;
            _firstAnnouncement.TrySetCanceled();
        }, cancellationToken).ConfigureAwait(false);
        _loop.Start();
        _loop.Post(_responder.Start);
        _log.Debug("mDNS announcing {Instance} on {Interfaces}", FullName, string.Join(", ", _transport.Interfaces));
    }

    /// <summary>Completes once the names are probed and the first announcement is out.</summary>
    public Task WaitForAnnouncementAsync(CancellationToken cancellationToken = default) =>
        _firstAnnouncement.Task.WaitAsync(cancellationToken);

    /// <summary>Replaces the TXT pairs and announces the change (e.g. the offered capacity).</summary>
    public Task UpdateTxtAsync(IReadOnlyDictionary<string, string?> txt)
    {
        var data = TextRecordData.FromProperties(txt);
        switch (_state)
        {
            case 0:
                _responder.UpdateTxt(data); // not running yet: the new pairs are simply the ones it will announce
                return Task.CompletedTask;
            case 1:
                return _loop.InvokeAsync(() => _responder.UpdateTxt(data));
            default:
                throw new ObjectDisposedException(nameof(MdnsServiceAnnouncer));
        }
    }

    /// <summary>Sends goodbyes and closes the sockets. Safe to call more than once.</summary>
    public async Task StopAsync()
    {
        var previous = Interlocked.Exchange(ref _state, 2);
        if (previous == 2) return;
        if (previous == 1) await _loop.InvokeAsync(_responder.Stop).ConfigureAwait(false);
        await _transport.DisposeAsync().ConfigureAwait(false);
        await _loop.DisposeAsync().ConfigureAwait(false);
        _firstAnnouncement.TrySetCanceled();
    }

    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private void OnAnnounced(ServiceRecordSet names)
    {
        _names = names;
        _log.Information("mDNS service {Instance} announced on {Host}", names.InstanceName, names.HostName);
        _firstAnnouncement.TrySetResult();
        Announced?.Invoke(this, EventArgs.Empty);
    }

    private static ServiceRecordSet ToRecordSet(MdnsServiceRegistration registration)
    {
        if (registration.Port is < 1 or > ushort.MaxValue)
            throw new ArgumentOutOfRangeException(nameof(registration), registration.Port, "The service port must be 1 to 65535.");
        var type = DnsName.Parse(registration.ServiceType);
        if (type.Labels.Count != 2 || !type.Labels[0].StartsWith('_') || type.Labels[1] is not ("_tcp" or "_udp"))
            throw new ArgumentException($"A service type looks like \"_name._tcp\": '{registration.ServiceType}'.", nameof(registration));
        var host = MdnsHostName.Sanitize(registration.HostName ?? MdnsHostName.FromMachineName());
        var serviceName = DnsName.FromLabels([.. type.Labels, "local"]);
        _ = serviceName.Prepend(registration.InstanceName); // checks the label's length
        return new ServiceRecordSet(serviceName, registration.InstanceName, host, (ushort)registration.Port,
            TextRecordData.FromProperties(registration.Txt));
    }

    internal static ILogger Quiet(ILogger? logger) => logger ?? Serilog.Core.Logger.None;
}
