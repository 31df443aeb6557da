namespace PeerStorage.Core.Leasing;

/// <summary>The failures of offers and leases, each with a stable error id a script can catch.</summary>
internal static class LeaseErrors
{
    public static PeerStorageException NoPartition() =>
        new("HiddenPartitionNotFound", PeerErrorKind.NotFound, "This node has no hidden storage partition to offer space from; create one with New-HiddenStoragePartition.");

    public static PeerStorageException OfferTooLarge(long size, long room, string partitionId) =>
        new("AvailabilityTooLarge", PeerErrorKind.InvalidArgument,
            $"{size} bytes cannot be offered: partition {partitionId} has {room} bytes not yet offered.", target: size);

    public static PeerStorageException InvalidUntil(DateTimeOffset until) =>
        new("AvailabilityUntilInvalid", PeerErrorKind.InvalidArgument, $"'Until' must be in the future; {until:u} is not.", target: until);

    public static PeerStorageException OfferNotFound(string offerId) =>
        new("AvailabilityNotFound", PeerErrorKind.NotFound, $"No active availability offer {offerId} on this node.", target: offerId);

    public static PeerStorageException NoOfferFits(long size, DateTimeOffset until) =>
        new("AvailabilityInsufficient", PeerErrorKind.ResourceUnavailable,
            $"No offer on this node has {size} free bytes until {until:u}.", target: size);

    public static PeerStorageException LeaseTooLong(DateTimeOffset until, DateTimeOffset offerUntil) =>
        new("LeaseOutlivesOffer", PeerErrorKind.InvalidArgument,
            $"A lease until {until:u} would outlive its offer, which ends {offerUntil:u}.", target: until);

    public static PeerStorageException DestinationExists(string path) =>
        new("DestinationExists", PeerErrorKind.AlreadyExists, $"The file '{path}' exists; use -Force to replace it.", target: path);

    public static PeerStorageException LeaseNotFound(string leaseId) =>
        new("LeaseNotFound", PeerErrorKind.NotFound, $"No lease {leaseId} held by the calling node.", target: leaseId);

    public static PeerStorageException LeaseEnded(string leaseId, string state) =>
        new("LeaseEnded", PeerErrorKind.InvalidOperation, $"Lease {leaseId} has ended ({state}); its space was wiped.", target: leaseId);

    public static PeerStorageException QuotaExceeded(string leaseId, long needed, long largestGap) =>
        new("LeaseQuotaExceeded", PeerErrorKind.ResourceUnavailable,
            $"Lease {leaseId} has no room for {needed} more bytes (largest free run {largestGap}); remove objects or lease more space.", target: leaseId);

    public static PeerStorageException ObjectNotFound(string leaseId, string name) =>
        new("LeaseObjectNotFound", PeerErrorKind.NotFound, $"No object '{name}' in lease {leaseId}.", target: name);

    public static PeerStorageException UploadIncomplete(long expected, long received) =>
        new("LeaseUploadIncomplete", PeerErrorKind.InvalidData,
            $"The upload ended after {received} of {expected} bytes; nothing was stored.", target: expected);

    public static PeerStorageException Tampered(string target, string why) =>
        new("LeaseObjectTampered", PeerErrorKind.InvalidData,
            $"The object came back altered or was not written with this lease's key: {why}. Nothing was written for it.", target: target);

    public static PeerStorageException InvalidArgument(string message, object? target = null) =>
        new("LeaseInvalidArgument", PeerErrorKind.InvalidArgument, message, target: target);
}
