using System.Globalization;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Trust;

/// <summary>
/// Fleet revocations: a statement "node X is out of fleet F since T, because R" signed by the fleet CA key. Any
/// node can carry and pass them on (they are gossiped between peers and through the directory); a node accepts one
/// only when it verifies against its own fleet CA, so nobody else can revoke or forge.
/// </summary>
public static class Revocations
{
    private const string Header = "peerstorage-revocation/1";

    public static PeerRevocation Create(FleetAuthority fleet, NodeId nodeId, string reason)
    {
        var revoked = DateTimeOffset.UtcNow;
        var statement = string.Join('\n', Header, "fleet=" + fleet.FleetId, "node=" + nodeId,
            "revoked=" + revoked.ToString("O", CultureInfo.InvariantCulture), "reason=" + reason.Replace('\n', ' '));
        var signature = fleet.Key.SignData(Encoding.UTF8.GetBytes(statement), HashAlgorithmName.SHA256);
        return new PeerRevocation
        {
            NodeId = nodeId.ToString(),
            FleetId = fleet.FleetId.ToString(),
            Revoked = revoked,
            Reason = reason,
            Statement = statement,
            Signature = Convert.ToBase64String(signature),
        };
    }

    /// <summary>
    /// What Revoke-PeerNode does: sign a revocation with the fleet file, and apply it at once on the local node when
    /// there is one (a node of another fleet simply ignores it); elsewhere it spreads by gossip.
    /// </summary>
    public static PeerRevocation Revoke(string fleetPath, string? password, NodeId nodeId, string reason, string localNodePath)
    {
        using var fleet = FleetAuthority.Load(fleetPath, password);
        var created = Create(fleet, nodeId, reason);
        if (NodeHome.IsInitialized(localNodePath))
        {
            var home = NodeSessions.Get(localNodePath).Home;
            using var ca = FleetMembership.LoadFleetCa(home.Path);
            Learn(home.State, ca, [(created.Statement, created.Signature)]);
        }
        return created;
    }

    /// <summary>Parses and verifies a statement against a fleet CA; null when it is not genuine or not for this fleet.</summary>
    public static PeerRevocation? Verify(string statement, string signatureBase64, X509Certificate2 fleetCa)
    {
        byte[] signature;
        try { signature = Convert.FromBase64String(signatureBase64); }
        catch (FormatException) { return null; }
        using var key = fleetCa.GetECDsaPublicKey();
        if (key is null || !key.VerifyData(Encoding.UTF8.GetBytes(statement), signature, HashAlgorithmName.SHA256)) return null;
        var lines = statement.Split('\n');
        if (lines.Length != 5 || lines[0] != Header) return null;
        var fields = lines.Skip(1).Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!fields.TryGetValue("fleet", out var fleet) || fleet != FleetAuthority.FleetIdOf(fleetCa).ToString()) return null;
        if (!fields.TryGetValue("node", out var node) || !NodeId.TryParse(node, out var nodeId, out _)) return null;
        if (!fields.TryGetValue("revoked", out var when) || !DateTimeOffset.TryParse(when, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var revoked)) return null;
        return new PeerRevocation
        {
            NodeId = nodeId.ToString(),
            FleetId = fleet,
            Revoked = revoked,
            Reason = fields.GetValueOrDefault("reason", ""),
            Statement = statement,
            Signature = signatureBase64,
        };
    }

    /// <summary>Stores the genuine revocations among <paramref name="candidates"/>; returns those that were new.</summary>
    public static IReadOnlyList<PeerRevocation> Learn(StateDatabase db, X509Certificate2? fleetCa, IEnumerable<(string Statement, string Signature)> candidates)
    {
        if (fleetCa is null) return [];
        var genuine = candidates.Select(c => Verify(c.Statement, c.Signature, fleetCa)).OfType<PeerRevocation>().ToList();
        if (genuine.Count == 0) return [];
        return db.Write((c, t) =>
        {
            var added = new List<PeerRevocation>();
            foreach (var r in genuine)
            {
                using var command = c.CreateCommand();
                command.Transaction = t;
                command.CommandText = """
                    INSERT INTO revocations(fleet_id, node_id, revoked, reason, statement, signature)
                    VALUES($fleet, $node, $revoked, $reason, $statement, $signature) ON CONFLICT DO NOTHING
                    """;
                command.Parameters.AddWithValue("$fleet", r.FleetId);
                command.Parameters.AddWithValue("$node", r.NodeId);
                command.Parameters.AddWithValue("$revoked", r.Revoked.ToString("O", CultureInfo.InvariantCulture));
                command.Parameters.AddWithValue("$reason", r.Reason);
                command.Parameters.AddWithValue("$statement", r.Statement);
                command.Parameters.AddWithValue("$signature", r.Signature);
                if (command.ExecuteNonQuery() > 0) added.Add(r);
            }
            return (IReadOnlyList<PeerRevocation>)added;
        });
    }

    public static IReadOnlyList<PeerRevocation> List(StateDatabase db) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT node_id, fleet_id, revoked, reason, statement, signature FROM revocations ORDER BY revoked";
        using var reader = command.ExecuteReader();
        var list = new List<PeerRevocation>();
        while (reader.Read())
            list.Add(new PeerRevocation
            {
                NodeId = reader.GetString(0),
                FleetId = reader.GetString(1),
                Revoked = DateTimeOffset.Parse(reader.GetString(2), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
                Reason = reader.GetString(3),
                Statement = reader.GetString(4),
                Signature = reader.GetString(5),
            });
        return (IReadOnlyList<PeerRevocation>)list;
    });

    public static bool IsRevoked(StateDatabase db, NodeId nodeId) => db.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT 1 FROM revocations WHERE node_id = $node LIMIT 1";
        command.Parameters.AddWithValue("$node", nodeId.ToString());
        return command.ExecuteScalar() is not null;
    });
}
