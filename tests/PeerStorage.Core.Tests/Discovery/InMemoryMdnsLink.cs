using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Discovery.Dns;
using PeerStorage.Core.Discovery.Network;

namespace PeerStorage.Core.Tests.Discovery;

/// <summary>
/// One simulated Ethernet link for mDNS: every packet is encoded and decoded (so the wire format is in the loop),
/// multicast reaches every member including the sender (as IP_MULTICAST_LOOP does), unicast reaches the member
/// with that address, and everything sent is recorded with a timestamp for assertions.
/// </summary>
internal sealed class InMemoryMdnsLink
{
    private readonly List<Member> _members = [];
    private readonly List<SentPacket> _sent = [];
    private readonly Stopwatch _clock = Stopwatch.StartNew();

    public const int Port = 5353;

    public sealed record SentPacket(TimeSpan At, IPEndPoint From, IPEndPoint? To, DnsMessage Message);

    public IReadOnlyList<SentPacket> Sent
    {
        get { lock (_sent) return _sent.ToList(); }
    }

    /// <summary>A transport for a new member at 10.0.0.<paramref name="hostNumber"/>.</summary>
    public Member Join(int hostNumber)
    {
        var member = new Member(this, IPAddress.Parse($"10.0.0.{hostNumber}"));
        lock (_members) _members.Add(member);
        return member;
    }

    /// <summary>Puts a packet on the link as if <paramref name="from"/> had sent it (to the group, or to one member).</summary>
    public void Inject(DnsMessage message, IPEndPoint from, IPAddress? to = null) => Deliver(message.Encode(), from, to);

    private void Deliver(byte[] bytes, IPEndPoint from, IPAddress? to)
    {
        var message = DnsMessage.Decode(bytes);
        lock (_sent) _sent.Add(new SentPacket(_clock.Elapsed, from, to is null ? null : new IPEndPoint(to, Port), message));
        List<Member> members;
        lock (_members) members = _members.ToList();
        foreach (var member in members.Where(m => to is null || m.Address.Equals(to)))
            member.Receive(message, from, toGroup: to is null);
    }

    internal sealed class Member(InMemoryMdnsLink link, IPAddress address) : IMdnsTransport
    {
        public IPAddress Address { get; } = address;
        public MdnsInterface Interface { get; } = new(1, "mem0", [address], []);
        public int Port => InMemoryMdnsLink.Port;
        public IReadOnlyList<MdnsInterface> Interfaces => [Interface];
        public bool Closed { get; private set; }

        public event Action<MdnsPacket>? PacketReceived;
        public event Action? InterfacesChanged;

        public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public void SendMulticast(DnsMessage message, MdnsInterface iface, AddressFamily family)
        {
            if (!Closed && family == AddressFamily.InterNetwork) link.Deliver(message.Encode(), new IPEndPoint(Address, Port), null);
        }

        public void SendUnicast(DnsMessage message, IPEndPoint destination, MdnsInterface iface)
        {
            if (!Closed) link.Deliver(message.Encode(), new IPEndPoint(Address, Port), destination.Address);
        }

        public void Receive(DnsMessage message, IPEndPoint from, bool toGroup)
        {
            if (!Closed) PacketReceived?.Invoke(new MdnsPacket(message, from, Interface, toGroup, Port));
        }

        public void RaiseInterfacesChanged() => InterfacesChanged?.Invoke();

        public ValueTask DisposeAsync()
        {
            Closed = true;
            return ValueTask.CompletedTask;
        }
    }
}
