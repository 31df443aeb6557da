using PeerStorage.Core.Node;

namespace PeerStorage.Core.Vault;

/// <summary>New-HiddenStoragePartition -Device: a vault over a raw block device or an existing partition.</summary>
internal static class DeviceCarrier
{
    public static HiddenStoragePartition Create(NodeHome home, HiddenPartitionRequest request)
    {
        RequireLinux();
        var device = System.IO.Path.GetFullPath(request.Device!);
        if (!File.Exists(device))
            throw new PeerStorageException("HiddenPartitionDeviceNotFound", PeerErrorKind.NotFound, $"There is no device '{device}'.", target: device);
        if (BlockDevices.NameOf(device) is null)
            throw new PeerStorageException("HiddenPartitionNotADevice", PeerErrorKind.InvalidArgument,
                $"'{device}' is not a block device. A vault in a file is made with -Path; a new partition in a disk image with -Disk.", target: device);
        BlockDevices.ThrowIfInUse(device);
        RefuseRegistered(home, HiddenPartitions.Device, device);

        var capacity = BlockDeviceSize.Of(device) ?? 0;
        var size = request.Size ?? (request.Percent is { } p ? (long)(capacity * (p / 100.0)) : (long?)null);
        if (size > capacity)
            throw new PeerStorageException("HiddenPartitionTooLarge", PeerErrorKind.InvalidArgument,
                $"'{device}' holds {capacity} bytes; a vault of {size} does not fit.", target: size);

        // blkid knows far more signatures than the format's own check (LVM, RAID members, partition tables...).
        if (GptDisk.Probe(device) is { } found)
        {
            if (!request.Force) throw VaultErrors.TargetInUse(device, found);
            // Forced: erase every signature blkid knows (a backup GPT at the device's end too), so nothing stale remains.
            ExternalTool.RunChecked("wipefs", "--all", "--quiet", device);
            GptDisk.ForgetKernelPartitions(device);
        }
        using var vault = VaultStore.Format(device, size, request.Force);
        return HiddenPartitions.Register(home, vault, HiddenPartitions.Device, device);
    }

    internal static void RequireLinux()
    {
        if (!OperatingSystem.IsLinux())
            throw new PeerStorageException("HiddenPartitionCarrierUnsupported", PeerErrorKind.InvalidOperation,
                "Raw device and GPT partition carriers are supported on Linux; use a container file (-Path) here.");
    }

    /// <summary>One device, one registration: a second vault over a registered one must go through Remove first.</summary>
    internal static void RefuseRegistered(NodeHome home, string kind, string location)
    {
        var resolved = BlockDevices.Resolve(location);
        if (HiddenPartitions.Rows(home, null).FirstOrDefault(r => r.Kind == kind && BlockDevices.Resolve(r.Location) == resolved) is { } row)
            throw new PeerStorageException("HiddenPartitionExists", PeerErrorKind.AlreadyExists,
                $"'{location}' already carries this node's hidden storage partition {row.Id}; remove it first.", target: location);
    }
}
