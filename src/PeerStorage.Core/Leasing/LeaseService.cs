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
    public const string KeyMethod = "lease.key";
    public const string UploadMethod = "lease.upload";
    public const string UploadFinishMethod = "lease.upload.finish";

    public sealed record Offers(Availability[] Items);
    public sealed record ClaimRequest(string? OfferId, long Size, DateTimeOffset? Until);
    public sealed record LeaseQuery(string? LeaseId);
    public sealed record Leases(PeerLease[] Items);
    public sealed record RenewRequest(string LeaseId, DateTimeOffset Until);
    public sealed record ObjectQuery(string LeaseId, string? NameKey);
    public sealed record Objects(StoredObject[] Items);
    public sealed record PutHeader(string LeaseId, string NameKey, string SealedName, long StoredLength);
    public sealed record UploadTicket(string Ticket, string Key);
    public sealed record KeyShare(string Share);
    public sealed record UploadRef(string Ticket);

    public static void Map(RequestRouter router, NodeHome home, LeaseHost host, BulkTickets tickets)
    {
        // Uploads over the data channel: the ticket is asked for here, the bytes come on the side channel, and the
        // outcome (the stored object or the host's error) comes back over TLS when the holder asks for it.
        var uploads = new System.Collections.Concurrent.ConcurrentDictionary<string, (NodeId Holder, Task<StoredObject> Done)>(StringComparer.Ordinal);
        router.Map(UploadMethod, (context, body, cancellationToken) =>
        {
            var put = JsonBody.Decode<PutHeader>(body);
            var holder = context.RemoteNodeId;
            host.Objects(holder, Required(put.LeaseId)); // an unknown or ended lease fails now, before any byte moves
            var (ticket, key, connected) = tickets.Issue(holder);
            var id = Convert.ToHexString(ticket);
            var done = Task.Run(async () =>
            {
                await using var stream = await connected.ConfigureAwait(false);
                return await host.PutAsync(holder, put.LeaseId, Required(put.NameKey), Required(put.SealedName), put.StoredLength, stream, CancellationToken.None).ConfigureAwait(false);
            });
            uploads[id] = (holder, done);
            // Forget an outcome nobody asked for.
            _ = ForgetLaterAsync(done, () => uploads.TryRemove(id, out var _));
            return Reply(new UploadTicket(id, Convert.ToBase64String(key)));
        });
        router.Map(UploadFinishMethod, async (context, body, cancellationToken) =>
        {
            var id = Required(JsonBody.Decode<UploadRef>(body).Ticket);
            if (!uploads.TryGetValue(id, out var upload) || upload.Holder != context.RemoteNodeId)
                throw new PeerStorageException("BulkChannelUnknown", PeerErrorKind.NotFound, "No upload with that ticket from the calling node.");
            var stored = await upload.Done.WaitAsync(cancellationToken).ConfigureAwait(false);
            uploads.TryRemove(id, out _);
            return JsonBody.Encode(stored);
        });

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
        router.Map(KeyMethod, (context, body, _) =>
            Reply(new KeyShare(Convert.ToBase64String(host.KeyShare(context.RemoteNodeId, Required(JsonBody.Decode<LeaseQuery>(body).LeaseId))))));
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

    private static async Task ForgetLaterAsync(Task outcome, Action forget)
    {
        await outcome.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await Task.Delay(BulkTickets.Lifetime).ConfigureAwait(false);
        forget();
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

    /// <summary>The host's half of the lease's data key (never stored by the holder).</summary>
    public static async Task<byte[]> KeyShareAsync(PeerConnection host, string leaseId, CancellationToken cancellationToken)
    {
        var share = JsonBody.Decode<KeyShare>(await host.RequestAsync(KeyMethod, JsonBody.Encode(new LeaseQuery(leaseId)), cancellationToken).ConfigureAwait(false)).Share;
        try
        {
            var bytes = Convert.FromBase64String(share ?? "");
            if (bytes.Length == LeaseObjectCipher.KeyShareBytes) return bytes;
        }
        catch (FormatException)
        {
        }
        throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, "The host sent a malformed key share.");
    }

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

    /// <summary>
    /// Uploads an object over the data channel when the host offers one: a ticket over TLS, the bytes on the side
    /// channel, the outcome over TLS. Returns null when the host does not know the data channel (an older node), so
    /// the caller can use <see cref="PutAsync"/> instead.
    /// </summary>
    public static async Task<StoredObject?> UploadAsync(PeerConnection host, PutHeader header, Func<Stream, Task> write, CancellationToken cancellationToken)
    {
        UploadTicket ticket;
        try
        {
            ticket = JsonBody.Decode<UploadTicket>(await host.RequestAsync(UploadMethod, JsonBody.Encode(header), cancellationToken).ConfigureAwait(false));
        }
        catch (PeerRemoteException e) when (e.ErrorId == TransportErrors.PeerMethodNotFound)
        {
            return null;
        }
        if (host.RemoteEndPoint is not System.Net.IPEndPoint endPoint)
            throw new PeerStorageException("BulkChannelUnavailable", PeerErrorKind.ConnectionError, "The host's address is unknown; no data channel can open.");
        try
        {
            await using var channel = await BulkChannel.ConnectAsync(endPoint, Convert.FromHexString(ticket.Ticket), Convert.FromBase64String(ticket.Key), cancellationToken).ConfigureAwait(false);
            await write(channel).ConfigureAwait(false);
            await channel.CompleteAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (IOException)
        {
            // The host stopped reading (quota, an ended lease...): its reason is the outcome asked for below.
        }
        return JsonBody.Decode<StoredObject>(await host.RequestAsync(UploadFinishMethod, JsonBody.Encode(new UploadRef(ticket.Ticket)), cancellationToken).ConfigureAwait(false));
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
