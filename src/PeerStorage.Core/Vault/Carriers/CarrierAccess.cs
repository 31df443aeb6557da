namespace PeerStorage.Core.Vault;

/// <summary>
/// The way to one registered vault's carrier: the path VaultStore opens, and what to undo when done (a loop device
/// attached for a partition inside a disk image). Made from a hidden_partitions row's kind and location.
/// </summary>
internal sealed class CarrierAccess : IDisposable
{
    private readonly Action? _release;

    private CarrierAccess(string path, Action? release)
    {
        Path = path;
        _release = release;
    }

    /// <summary>The file or block device that holds the vault from its first byte.</summary>
    public string Path { get; }

    public void Dispose() => _release?.Invoke();

    /// <summary>"disk#PARTUUID=guid": the partition's identity that survives reboots and renamed loop devices.</summary>
    public static string GptLocation(string disk, Guid partitionGuid) => $"{disk}#PARTUUID={partitionGuid}";

    public static (string Disk, Guid PartitionGuid) ParseGptLocation(string location)
    {
        var at = location.LastIndexOf("#PARTUUID=", StringComparison.Ordinal);
        if (at < 0 || !Guid.TryParse(location[(at + "#PARTUUID=".Length)..], out var guid))
            throw VaultErrors.InvalidArgument($"'{location}' is not a GPT partition location (disk#PARTUUID=guid).", location);
        return (location[..at], guid);
    }

    /// <summary>Reaches the carrier; VaultNotFound when it is gone (the file, the device, or the partition).</summary>
    public static CarrierAccess Reach(string kind, string location)
    {
        switch (kind)
        {
            case HiddenPartitions.GptPartition:
                var (disk, guid) = ParseGptLocation(location);
                return ReachPartition(disk, guid, location);
            default:
                if (!File.Exists(location))
                    throw new PeerStorageException("VaultNotFound", PeerErrorKind.NotFound, $"No vault carrier at '{location}'.", target: location);
                return new CarrierAccess(location, null);
        }
    }

    /// <summary>The GPT partition with this unique GUID on the disk (by PARTUUID symlink first, for a renamed disk).</summary>
    public static CarrierAccess ReachPartition(string disk, Guid guid, string location)
    {
        var byUuid = $"/dev/disk/by-partuuid/{guid.ToString().ToLowerInvariant()}";
        if (BlockDevices.NameOf(disk) is not null && File.Exists(byUuid)) return new CarrierAccess(BlockDevices.Resolve(byUuid), null);
        if (!File.Exists(disk))
            throw new PeerStorageException("VaultNotFound", PeerErrorKind.NotFound, $"The disk '{disk}' of the vault partition {guid} is not there.", target: location);
        var partition = GptDisk.Partitions(disk).FirstOrDefault(p => p.UniqueGuid == guid)
            ?? throw new PeerStorageException("VaultNotFound", PeerErrorKind.NotFound, $"The disk '{disk}' has no partition {guid}.", target: location);
        return Reach(disk, partition);
    }

    /// <summary>A partition of a block device through its kernel node; otherwise (an image file) a loop device over its range.</summary>
    public static CarrierAccess Reach(string disk, GptPartitionInfo partition)
    {
        if (BlockDevices.NameOf(disk) is { } name)
        {
            for (var i = 0; i < 100; i++)
            {
                var node = BlockDevices.Partitions(name).Where(p => p.Number == partition.Number).Select(p => $"/dev/{p.Name}").FirstOrDefault();
                if (node is not null && File.Exists(node) && BlockDeviceSize.Of(node) == partition.Length) return new CarrierAccess(node, null);
                Thread.Sleep(20);
            }
            // The kernel does not show the partition (a loop device without partition scanning): fall through to a
            // loop device over its range of the disk.
        }
        var file = BlockDevices.Resolve(disk);
        if (LoopDevice.FindAttached(file, partition.Offset, partition.Length) is { } attached) return new CarrierAccess(attached, null);
        var device = LoopDevice.Attach(file, partition.Offset, partition.Length);
        // Two openers that both found nothing attached each made one: both keep the lowest-numbered, whose lock
        // then decides between them, and the other is detached.
        if (LoopDevice.FindAttached(file, partition.Offset, partition.Length) is { } first && first != device)
        {
            LoopDevice.Detach(device);
            return new CarrierAccess(first, null);
        }
        return new CarrierAccess(device, () => LoopDevice.Detach(device));
    }
}
