using System.Net;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.DirectoryServer;

/// <summary>
/// The directory role on the node's transport: trusted peers register themselves (their id comes from the TLS
/// session) and look others up by id or name. A node answers only while its directory role is on.
/// </summary>
public static class DirectoryService
{
    public const string RegisterMethod = "directory.register";
    public const string LookupMethod = "directory.lookup";

    public sealed record Registration(string Name, string[] Addresses, int Port);
    public sealed record Lookup(string? NodeId, string? Name);
    public sealed record Entries(PeerDirectoryEntry[] Items);

    public static bool IsEnabled(NodeHome home) => home.Settings.Get(SettingKeys.DirectoryRole) == "on";

    public static void Map(RequestRouter router, NodeHome home)
    {
        var store = new DirectoryStore(home.State);
        router.Map(RegisterMethod, (context, body, _) =>
        {
            RequireRole(home);
            var registration = JsonBody.Decode<Registration>(body);
            var seenFrom = (context.RemoteEndPoint as IPEndPoint)?.Address;
            var addresses = (registration.Addresses ?? []).ToList();
            // Where the session came from, first: unless it is an IPv6 link-local address, whose scope is an interface of this host.
            if (seenFrom is not null && !seenFrom.IsIPv6LinkLocal) addresses.Insert(0, (seenFrom.IsIPv4MappedToIPv6 ? seenFrom.MapToIPv4() : seenFrom).ToString());
            var fleet = context.TrustBasis == Trust.TrustBasis.Fleet ? home.Settings.Get(SettingKeys.FleetId) : null;
            var entry = store.Register(context.RemoteNodeId, registration.Name ?? context.RemoteName, addresses, registration.Port, fleet);
            home.Log.Debug("Directory: {Name} ({NodeId}) registered at {Addresses}", entry.Name, entry.NodeId, string.Join(", ", entry.Addresses));
            return ValueTask.FromResult(JsonBody.Encode(new Entries([entry])));
        });
        router.Map(LookupMethod, (_, body, _) =>
        {
            RequireRole(home);
            var query = JsonBody.Decode<Lookup>(body);
            return ValueTask.FromResult(JsonBody.Encode(new Entries(store.Lookup(query.NodeId, query.Name).ToArray())));
        });
    }

    private static void RequireRole(NodeHome home)
    {
        if (!IsEnabled(home))
            throw new PeerStorageException("NotADirectory", PeerErrorKind.InvalidOperation,
                $"Node {home.Name} is not a directory server (Start-PeerDirectory turns the role on).");
    }

    public static async Task<PeerDirectoryEntry[]> RegisterAsync(PeerConnection directory, Registration registration, CancellationToken cancellationToken) =>
        JsonBody.Decode<Entries>(await directory.RequestAsync(RegisterMethod, JsonBody.Encode(registration), cancellationToken).ConfigureAwait(false)).Items;

    public static async Task<PeerDirectoryEntry[]> LookupAsync(PeerConnection directory, Lookup query, CancellationToken cancellationToken) =>
        JsonBody.Decode<Entries>(await directory.RequestAsync(LookupMethod, JsonBody.Encode(query), cancellationToken).ConfigureAwait(false)).Items;
}
