namespace PeerStorage.Core.Vault;

/// <summary>The vault's stable error ids, so scripts and the cmdlet layer can match on them.</summary>
internal static class VaultErrors
{
    public static PeerStorageException NotFormatted(string path) =>
        new("VaultNotFormatted", PeerErrorKind.InvalidData, $"'{path}' does not hold a PeerStorage vault.", target: path);

    public static PeerStorageException Corrupt(string path, string what) =>
        new("VaultCorrupt", PeerErrorKind.InvalidData, $"The vault in '{path}' is damaged: {what}. Nothing was changed.", target: path);

    public static PeerStorageException VersionUnsupported(string path, uint version) =>
        new("VaultVersionUnsupported", PeerErrorKind.InvalidData,
            $"The vault in '{path}' has format version {version}; this engine reads version {Superblock.CurrentVersion}.", target: path);

    public static PeerStorageException DataCorrupt(string path, long physicalBlock) =>
        new("VaultDataCorrupt", PeerErrorKind.InvalidData,
            $"A data block of the vault in '{path}' fails its checksum (block {physicalBlock}).", target: path);

    public static PeerStorageException TargetInUse(string path, string holder) =>
        new("VaultTargetNotEmpty", PeerErrorKind.AlreadyExists,
            $"'{path}' already holds {holder}. Use -Force to overwrite it.", target: path);

    public static PeerStorageException TooSmall(string path, long size, long minimum) =>
        new("VaultTooSmall", PeerErrorKind.InvalidArgument, $"A vault needs at least {minimum} bytes; '{path}' offers {size}.", target: path);

    public static PeerStorageException Full(string path, long wanted, long free) =>
        new("VaultFull", PeerErrorKind.ResourceUnavailable, $"The vault in '{path}' has {free} bytes free; {wanted} were asked for.", target: path);

    public static PeerStorageException RegionNotFound(Guid id) =>
        new("VaultRegionNotFound", PeerErrorKind.NotFound, $"The vault holds no region {id}.", target: id);

    public static PeerStorageException OutOfRange(Guid id, long offset, long count, long length) =>
        new("VaultRangeInvalid", PeerErrorKind.InvalidArgument,
            $"Bytes {offset}..{offset + count} are outside region {id} ({length} bytes).", target: id);

    public static PeerStorageException InvalidArgument(string message, object? target = null) =>
        new("VaultInvalidArgument", PeerErrorKind.InvalidArgument, message, target: target);
}
