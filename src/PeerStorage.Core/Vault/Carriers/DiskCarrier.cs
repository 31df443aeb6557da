using PeerStorage.Core.Node;

namespace PeerStorage.Core.Vault;

/// <summary>
/// New-HiddenStoragePartition -Disk: a new GPT partition of PeerStorage's own type in a disk's (or disk image's)
/// largest free block, with the vault formatted inside it. A disk with no partition table gets a GPT when it is
/// empty; anything else on it (an MBR, a filesystem over the whole disk) is refused unless forced.
/// </summary>
internal static class DiskCarrier
{
    public static HiddenStoragePartition Create(NodeHome home, HiddenPartitionRequest request)
    {
        DeviceCarrier.RequireLinux();
        var disk = System.IO.Path.GetFullPath(request.Disk!);
        if (!File.Exists(disk))
            throw new PeerStorageException("HiddenPartitionDiskNotFound", PeerErrorKind.NotFound, $"There is no disk or disk image '{disk}'.", target: disk);
        var name = BlockDevices.NameOf(disk);
        if (name is not null)
        {
            if (File.Exists($"/sys/class/block/{name}/partition"))
                throw new PeerStorageException("HiddenPartitionNotADisk", PeerErrorKind.InvalidArgument,
                    $"'{disk}' is a partition, not a disk: format it with -Device, or give its disk to -Disk.", target: disk);
            // Adding a partition leaves the others alone, so only the whole disk being mounted (or held) refuses here.
            BlockDevices.ThrowIfInUse(disk, includePartitions: false);
        }

        var sectorSize = name is null ? 512 : BlockDevices.LogicalSectorSize(name);
        switch (GptDisk.Inspect(disk, sectorSize, out var what))
        {
            case GptDisk.TableKind.Gpt:
                break;
            case GptDisk.TableKind.Empty:
                if (name is not null) BlockDevices.ThrowIfInUse(disk);
                GptDisk.CreateTable(disk);
                break;
            default:
                if (!request.Force)
                    throw new PeerStorageException("DiskNotEmpty", PeerErrorKind.AlreadyExists,
                        $"'{disk}' has no GPT but holds {what}. -Force replaces it with a new, empty GPT: everything on the disk is lost.", target: disk);
                if (name is not null) BlockDevices.ThrowIfInUse(disk);
                ExternalTool.RunChecked("wipefs", "--all", "--quiet", disk);
                GptDisk.ForgetKernelPartitions(disk);
                GptDisk.CreateTable(disk);
                break;
        }

        var partitions = GptDisk.Partitions(disk);
        var unit = GptDisk.SectorSize(disk);
        var free = GptDisk.LargestFree(disk);
        var freeBytes = free is { } f ? (f.Last - f.First + 1) * unit : 0;
        var bytes = request.Size is { } size ? VaultGeometry.RoundUp(size, GptDisk.Alignment)
            : request.Percent is { } p ? VaultGeometry.RoundDown((long)(freeBytes * (p / 100.0)), GptDisk.Alignment)
            : throw new PeerStorageException("HiddenPartitionSizeMissing", PeerErrorKind.InvalidArgument, "Give -Size or -Percent (of the disk's largest free block).");
        if (free is null || bytes > freeBytes)
            throw new PeerStorageException("HiddenPartitionTooLarge", PeerErrorKind.InvalidArgument,
                $"The largest free block of '{disk}' holds {freeBytes} bytes; a partition of {bytes} does not fit.", target: bytes);
        if (bytes < VaultGeometry.MinimumSize) throw VaultErrors.TooSmall(disk, bytes, VaultGeometry.MinimumSize);

        var number = GptDisk.FreeNumber(partitions);
        var guid = Guid.NewGuid();
        GptDisk.AddVaultPartition(disk, number, free.Value.First, free.Value.First + bytes / unit - 1, guid);
        try
        {
            var partition = GptDisk.Partitions(disk).Single(q => q.UniqueGuid == guid);
            using var access = CarrierAccess.Reach(disk, partition);
            // Free space may hold a deleted partition's remains; they are nobody's, and must not show through.
            if (GptDisk.Probe(access.Path) is not null) ExternalTool.RunChecked("wipefs", "--all", "--quiet", access.Path);
            using var vault = VaultStore.Format(access.Path, size: null, force: true);
            return HiddenPartitions.Register(home, vault, HiddenPartitions.GptPartition, CarrierAccess.GptLocation(disk, guid));
        }
        catch
        {
            try { GptDisk.DeletePartition(disk, number); }
            catch (PeerStorageException) { }
            throw;
        }
    }
}
