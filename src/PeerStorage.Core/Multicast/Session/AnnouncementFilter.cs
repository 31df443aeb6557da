using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Multicast.Protocol;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using Serilog;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>An announcer this node accepts: trusted, fresh, for the image it wants.</summary>
internal sealed record HeardAnnouncer(Announcement Announcement, NodeId NodeId, IPAddress Address, ECDsa PublicKey, DateTime HeardAt)
{
    public uint SessionId => Announcement.SessionId;
}

/// <summary>
/// Decides which announcements count: signed (checked by the parser), by a node the trust policy accepts (so a rogue
/// host cannot pose as the announcer), for this image's hash and Merkle root, within the clock-skew window, and newer
/// than the last one heard from that node's session (so a replay cannot keep a dead announcer alive). Each untrusted
/// node is logged once.
/// </summary>
internal sealed class AnnouncementFilter(byte[] imageHash, byte[] merkleRoot, IPeerTrustPolicy trust, NodeId self, ILogger log)
{
    private readonly Dictionary<(NodeId, uint), uint> _lastSequence = [];
    private readonly HashSet<NodeId> _refusedLogged = [];
    private bool _malformedLogged;
    private readonly object _gate = new();

    public long Refused { get; private set; }

    public HeardAnnouncer? Accept(ReadOnlySpan<byte> packet, IPAddress from)
    {
        if (!PacketHeader.TryRead(packet, out var type) || type != PacketType.Announce) return null; // other control traffic
        if (!Announcement.TryParseSigned(packet, out var announcement, out var certificate)) return Refuse(null, "malformed or badly signed");
        using (certificate)
        {
            var nodeId = announcement.SenderId(certificate!);
            if (nodeId.Equals(self)) return null;
            if (!announcement.ImageHash.AsSpan().SequenceEqual(imageHash)) return null; // another image: not ours to judge
            if (!announcement.MerkleRoot.AsSpan().SequenceEqual(merkleRoot)) return Refuse(nodeId, "its Merkle root differs from the manifest's");
            if (!announcement.IsFresh(DateTimeOffset.UtcNow)) return Refuse(nodeId, "its clock is off by more than the allowed skew (or it is a replay)");
            var verdict = trust.Evaluate(certificate!, []);
            if (!verdict.Trusted) return Refuse(nodeId, verdict.Reason);
            lock (_gate)
            {
                var key = (nodeId, announcement.SessionId);
                if (_lastSequence.TryGetValue(key, out var last) && (int)(announcement.Sequence - last) <= 0) return null;
                _lastSequence[key] = announcement.Sequence;
            }
            return new HeardAnnouncer(announcement, nodeId, from, certificate!.GetECDsaPublicKey()!, DateTime.UtcNow);
        }
    }

    private HeardAnnouncer? Refuse(NodeId? nodeId, string why)
    {
        lock (_gate)
        {
            Refused++;
            var firstFromIt = nodeId is { } id ? _refusedLogged.Add(id) : !_malformedLogged;
            _malformedLogged = true;
            if (!firstFromIt) return null;
        }
        log.Warning("Ignored an imaging announcement from {Node}: {Reason}", nodeId?.ToString() ?? "an unknown host", why);
        return null;
    }
}
