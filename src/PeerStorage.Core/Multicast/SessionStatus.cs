using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Session;

namespace PeerStorage.Core.Multicast;

/// <summary>A sending session as the status object scripts see.</summary>
internal static class SessionStatus
{
    public static DiskImageSession Describe(ImageManifest manifest, SenderSession sender, SessionStatistics statistics, DateTimeOffset started, string state, string? error) => new()
    {
        Hash = manifest.Hash, SessionId = sender.SessionId.ToString("x8"), Group = sender.Endpoint.Group.ToString(), Port = sender.Endpoint.ControlPort,
        State = state, Receivers = statistics.Receivers, ReceiversComplete = statistics.ReceiversComplete, ReceiversEvicted = statistics.ReceiversEvicted,
        BytesSent = statistics.BytesSent, RepairSymbolsSent = statistics.RepairSymbolsSent, Passes = statistics.Passes,
        MiBPerSecond = Math.Round(statistics.BytesPerSecond / 1048576.0, 1),
        ReceiverDetails = [.. sender.Receivers.Select(r => new DiskImageReceiver
        {
            NodeId = r.NodeId, Address = r.Address.ToString(), State = r.Evicted ? "Fallback" : r.State.ToString(),
            PercentComplete = Math.Round(100.0 * r.VerifiedBlocks / manifest.BlockCount, 1), Loss = Math.Round(r.Loss, 3),
        })],
        Started = started, Duration = DateTimeOffset.UtcNow - started, Error = error, ProcessId = Environment.ProcessId,
    };
}
