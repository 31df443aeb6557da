using PeerStorage.Core.State;

namespace PeerStorage.Core.Trust;

/// <summary>
/// A summary of the trust tables (who is pinned, who is revoked): when it changes, open sessions must be checked
/// again. The tables are small (a fleet's worth of ids), so the summary is simply the ids themselves.
/// </summary>
public static class TrustFingerprint
{
    public static string Read(StateDatabase db) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = """
            SELECT IFNULL((SELECT group_concat(node_id) FROM (SELECT node_id FROM peer_trust ORDER BY node_id)), '') || '|' ||
                   IFNULL((SELECT group_concat(node_id) FROM (SELECT node_id FROM revocations ORDER BY node_id)), '')
            """;
        return (string)command.ExecuteScalar()!;
    });
}
