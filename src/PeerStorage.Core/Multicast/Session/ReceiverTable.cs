using System.Net;
using PeerStorage.Core.Multicast.Protocol;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>What the sender knows of one receiver, from its status reports.</summary>
internal sealed class TrackedReceiver(byte[] id, IPAddress address)
{
    public byte[] Id { get; } = id;
    public string NodeId { get; } = Node.NodeId.FromHash(id).ToString();
    public IPAddress Address { get; set; } = address;
    public ReceiverState State { get; set; }
    public int VerifiedBlocks { get; set; }
    public double Loss { get; set; }
    public long BytesPerSecond { get; set; }
    /// <summary>Data bytes sent that it had not read yet when it reported: queued in its socket, or lost.</summary>
    public long BacklogBytes { get; set; }
    public DateTime FirstSeen { get; } = DateTime.UtcNow;
    public DateTime LastSeen { get; set; } = DateTime.UtcNow;
    /// <summary>Since when its loss has been far above the others' (slow-receiver policy).</summary>
    public DateTime? LaggingSince { get; set; }
    public bool Evicted { get; set; }

    /// <summary>Still taking the multicast: not done, not sent away, and heard from lately.</summary>
    public bool IsActive(DateTime now, TimeSpan silence) =>
        !Evicted && State is ReceiverState.Waiting or ReceiverState.Receiving && now - LastSeen < silence;
}

/// <summary>The receivers of a session, keyed by node id. Updated by the control thread, read by the sending loop.</summary>
internal sealed class ReceiverTable
{
    private readonly object _gate = new();
    private readonly Dictionary<string, TrackedReceiver> _receivers = [];

    public DateTime LastJoin { get; private set; } = DateTime.MinValue;

    /// <summary>Takes a status report; returns the receiver (new ones are joins).</summary>
    public TrackedReceiver Update(ReceiverStatus status, IPAddress from, uint senderSequence, int packetLength)
    {
        var key = Convert.ToHexString(status.ReceiverId);
        lock (_gate)
        {
            if (!_receivers.TryGetValue(key, out var receiver))
            {
                receiver = new TrackedReceiver(status.ReceiverId, from);
                _receivers[key] = receiver;
                LastJoin = DateTime.UtcNow;
            }
            receiver.Address = from;
            receiver.State = status.State;
            receiver.VerifiedBlocks = status.VerifiedBlocks;
            // Smoothed: a receiver's reads come in bursts, one 100 ms report is a noisy measure of what it takes.
            receiver.BytesPerSecond = receiver.BytesPerSecond == 0 ? status.BytesPerSecond : (long)(0.6 * receiver.BytesPerSecond + 0.4 * status.BytesPerSecond);
            if (status.Expected > 0) receiver.Loss = status.LossPermille / 1000.0;
            if (status.HighestSequence != 0) receiver.BacklogBytes = Math.Max(0, (int)(senderSequence - status.HighestSequence)) * (long)packetLength;
            receiver.LastSeen = DateTime.UtcNow;
            return receiver;
        }
    }

    public IReadOnlyList<TrackedReceiver> Snapshot()
    {
        lock (_gate) return [.. _receivers.Values];
    }
}
