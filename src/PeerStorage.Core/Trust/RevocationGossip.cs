using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Trust;

/// <summary>
/// Peers swap the fleet revocations they know on every new session ("trust.exchange": the caller sends its list, the
/// callee learns it and answers with its own). Each side keeps only what its own fleet CA signed, so a revocation
/// made on the admin's machine reaches the whole fleet as nodes meet, without a central server.
/// </summary>
public static class RevocationGossip
{
    public const string Method = "trust.exchange";

    public sealed record Entry(string Statement, string Signature);
    public sealed record Message(Entry[] Revocations);

    public static void Map(RequestRouter router, NodeHome home, Action<int>? learned = null) =>
        router.Map(Method, (context, body, _) =>
        {
            var incoming = JsonBody.Decode<Message>(body);
            var count = Learn(home, incoming);
            if (count > 0) learned?.Invoke(count);
            return ValueTask.FromResult(JsonBody.Encode(Own(home)));
        });

    /// <summary>Sends ours and learns theirs; returns how many were new here.</summary>
    public static async Task<int> ExchangeAsync(PeerConnection connection, NodeHome home, CancellationToken cancellationToken)
    {
        var reply = await connection.RequestAsync(Method, JsonBody.Encode(Own(home)), cancellationToken).ConfigureAwait(false);
        return Learn(home, JsonBody.Decode<Message>(reply));
    }

    private static Message Own(NodeHome home) =>
        new(Revocations.List(home.State).Select(r => new Entry(r.Statement, r.Signature)).ToArray());

    private static int Learn(NodeHome home, Message message)
    {
        using var fleetCa = FleetMembership.LoadFleetCa(home.Path);
        var added = Revocations.Learn(home.State, fleetCa, (message.Revocations ?? []).Take(10_000).Select(e => (e.Statement ?? "", e.Signature ?? "")));
        foreach (var r in added) home.Log.Warning("Learned that node {NodeId} was revoked by the fleet: {Reason}", r.NodeId, r.Reason);
        return added.Count;
    }
}
