using System.Net;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Discovery.Network;

/// <summary>A decoded mDNS message with where it came from and on which interface it arrived.</summary>
internal sealed record MdnsPacket(DnsMessage Message, IPEndPoint Source, MdnsInterface Interface, bool SentToMulticastGroup, int MdnsPort)
{
    /// <summary>A one-shot resolver's query from a port other than 5353: it wants a plain DNS reply to that port (RFC 6762 §6.7).</summary>
    public bool IsLegacyUnicastQuery => !Message.IsResponse && Source.Port != MdnsPort;

    /// <summary>A response that counts: mDNS responses come from the mDNS port (RFC 6762 §6, §11).</summary>
    public bool IsValidResponse => Message.IsResponse && Source.Port == MdnsPort;
}
