using System.Buffers.Binary;
using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// Offers and leases on the node's transport. The caller is always the node the TLS session authenticated: a lease
/// belongs to whoever claimed it, and no message can name another holder.
/// </summary>
public static class LeaseService
{
    public const string OffersMethod = "lease.offers";
    public const string ClaimMethod = "lease.claim";
    public const string ListMethod = "lease.list";
    public const string RenewMethod = "lease.renew";
    public const string ReleaseMethod = "lease.release";
    public const string ObjectsMethod = "lease.objects";
    public const string DeleteMethod = "lease.delete";
    public const string PutMethod = "lease.put";
    public const string GetMethod = "lease.get";

    public sealed record Offers(Availability[] Items);
    public sealed record ClaimRequest(string? OfferId, long Size, DateTimeOffset? Until);
    public sealed record LeaseQuery(string? LeaseId);
    public sealed record Leases(PeerLease[] Items);
    public sealed record RenewRequest(string LeaseId, DateTimeOffset Until);
    public sealed record ObjectQuery(string LeaseId, string? NameKey);
    public sealed record Objects(StoredObject[] Items);
    public sealed record PutHeader(string LeaseId, string NameKey, string SealedName, long StoredLength);

    public static void Map(RequestRouter router, NodeHome home, LeaseHost host)
    {
        router.Map(OffersMethod, (_, _, _) => Reply(new Offers([.. AvailabilityOffers.Active(home)])));
        router.Map(ClaimMethod, (context, body, _) =>
        {
            var request = JsonBody.Decode<ClaimRequest>(body);
            return Reply(new Leases([host.Claim(context.RemoteNodeId, request.OfferId, request.Size, request.Until)]));
        });
        router.Map(ListMethod, (context, body, _) =>
            Reply(new Leases([.. host.Leases(context.RemoteNodeId, JsonBody.Decode<LeaseQuery>(body).LeaseId)])));
        router.Map(RenewMethod, (context, body, _) =>
        {
            var request = JsonBody.Decode<RenewRequest>(body);
            return Reply(new Leases([host.Renew(context.RemoteNodeId, Required(request.LeaseId), request.Until)]));
        });
        router.Map(ReleaseMethod, (context, body, _) =>
        {
            host.Release(context.RemoteNodeId, Required(JsonBody.Decode<LeaseQuery>(body).LeaseId));
            return Reply(new Leases([]));
        });
        router.Map(ObjectsMethod, (context, body, _) =>
        {
            var query = JsonBody.Decode<ObjectQuery>(body);
            return Reply(new Objects([.. host.Objects(context.RemoteNodeId, Required(query.LeaseId), query.NameKey)]));
        });
        router.Map(DeleteMethod, (context, body, _) =>
        {
            var query = JsonBody.Decode<ObjectQuery>(body);
            host.Delete(context.RemoteNodeId, Required(query.LeaseId), Required(query.NameKey));
            return Reply(new Objects([]));
        });
        router.MapStream(PutMethod, async (context, header, stream, cancellationToken) =>
        {
            var put = JsonBody.Decode<PutHeader>(header);
            var stored = await host.PutAsync(context.RemoteNodeId, Required(put.LeaseId), Required(put.NameKey), Required(put.SealedName), put.StoredLength, stream, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(JsonBody.Encode(stored), cancellationToken).ConfigureAwait(false);
        });
        router.MapStream(GetMethod, async (context, header, stream, cancellationToken) =>
        {
            var query = JsonBody.Decode<ObjectQuery>(header);
            await host.GetAsync(context.RemoteNodeId, Required(query.LeaseId), Required(query.NameKey), stream, cancellationToken).ConfigureAwait(false);
        });
    }

    private static string Required(string? value) =>
        string.IsNullOrEmpty(value) ? throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, "The peer left out a required field.") : value;

    private static ValueTask<ReadOnlyMemory<byte>> Reply<T>(T value) => ValueTask.FromResult(JsonBody.Encode(value));

    // ---- the holder's side of the same messages --------------------------------------------------------------------

    public static async Task<Availability[]> OffersAsync(PeerConnection host, CancellationToken cancellationToken) =>
        JsonBody.Decode<Offers>(await host.RequestAsync(OffersMethod, JsonBody.Encode(new { }), cancellationToken).ConfigureAwait(false)).Items;

    public static async Task<PeerLease> ClaimAsync(PeerConnection host, ClaimRequest request, CancellationToken cancellationToken) =>
        Single(await host.RequestAsync(ClaimMethod, JsonBody.Encode(request), cancellationToken).ConfigureAwait(false));

    public static async Task<PeerLease[]> ListAsync(PeerConnection host, string? leaseId, CancellationToken cancellationToken) =>
        JsonBody.Decode<Leases>(await host.RequestAsync(ListMethod, JsonBody.Encode(new LeaseQuery(leaseId)), cancellationToken).ConfigureAwait(false)).Items;

    public static async Task<PeerLease> RenewAsync(PeerConnection host, string leaseId, DateTimeOffset until, CancellationToken cancellationToken) =>
        Single(await host.RequestAsync(RenewMethod, JsonBody.Encode(new RenewRequest(leaseId, until)), cancellationToken).ConfigureAwait(false));

    public static Task ReleaseAsync(PeerConnection host, string leaseId, CancellationToken cancellationToken) =>
        host.RequestAsync(ReleaseMethod, JsonBody.Encode(new LeaseQuery(leaseId)), cancellationToken);

    public static async Task<StoredObject[]> ObjectsAsync(PeerConnection host, string leaseId, string? nameKey, CancellationToken cancellationToken) =>
        JsonBody.Decode<Objects>(await host.RequestAsync(ObjectsMethod, JsonBody.Encode(new ObjectQuery(leaseId, nameKey)), cancellationToken).ConfigureAwait(false)).Items;

    public static Task DeleteAsync(PeerConnection host, string leaseId, string nameKey, CancellationToken cancellationToken) =>
        host.RequestAsync(DeleteMethod, JsonBody.Encode(new ObjectQuery(leaseId, nameKey)), cancellationToken);

    /// <summary>Streams an object up: <paramref name="write"/> produces exactly the announced bytes; returns the host's record once durable.</summary>
    public static async Task<StoredObject> PutAsync(PeerConnection host, PutHeader header, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        await using var stream = await host.OpenStreamAsync(PutMethod, JsonBody.Encode(header), cancellationToken).ConfigureAwait(false);
        await write(stream).ConfigureAwait(false);
        await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
        using var reply = new MemoryStream();
        await stream.CopyToAsync(reply, cancellationToken).ConfigureAwait(false);
        return JsonBody.Decode<StoredObject>(reply.ToArray());
    }

    /// <summary>Streams an object down: <paramref name="read"/> gets the stream positioned at the data and its stored length.</summary>
    public static async Task GetAsync(PeerConnection host, string leaseId, string nameKey, Func<Stream, long, Task> read, CancellationToken cancellationToken)
    {
        await using var stream = await host.OpenStreamAsync(GetMethod, JsonBody.Encode(new ObjectQuery(leaseId, nameKey)), cancellationToken).ConfigureAwait(false);
        await stream.CompleteWritesAsync(cancellationToken).ConfigureAwait(false);
        var prefix = new byte[8];
        await stream.ReadExactlyAsync(prefix, cancellationToken).ConfigureAwait(false);
        var length = BinaryPrimitives.ReadInt64LittleEndian(prefix);
        if (length < 0) throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, "The host announced a negative object length.");
        await read(stream, length).ConfigureAwait(false);
    }

    private static PeerLease Single(byte[] body) =>
        JsonBody.Decode<Leases>(body).Items.FirstOrDefault() ?? throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, "The host answered without the lease.");
}
