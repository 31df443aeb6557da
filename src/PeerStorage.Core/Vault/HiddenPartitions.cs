using System.Globalization;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Vault;

/// <summary>
/// What New-HiddenStoragePartition asks for: a container file (<see cref="Path"/>), a raw block device or existing
/// partition (<see cref="Device"/>) or a new GPT partition on a disk or disk image (<see cref="Disk"/>), sized in
/// bytes or as a share of the free space (of the volume, the device, or the disk's largest free block).
/// </summary>
public sealed record HiddenPartitionRequest(string? Path, long? Size, int? Percent, bool Force)
{
    /// <summary>A block device or partition to format whole (or its first <see cref="Size"/> bytes).</summary>
    public string? Device { get; init; }
    /// <summary>A disk or disk image file to add a new GPT partition to.</summary>
    public string? Disk { get; init; }
}

/// <summary>
/// The vaults a node lends space from, registered in its state database. Carriers: a preallocated container file
/// (hidden: a dot-name in the node home's vault folder, owner-only), a raw block device or existing partition, and a
/// new GPT partition of PeerStorage's own type on a disk or disk image. See FORMAT.md, "Carriers".
/// </summary>
public static class HiddenPartitions
{
    public const string ContainerFile = "ContainerFile";
    public const string Device = "Device";
    public const string GptPartition = "GptPartition";
    /// <summary>Space left to the OS on the volume, at least: never lend the disk full.</summary>
    public const double ReserveShare = 0.10;

    public static HiddenStoragePartition Create(NodeHome home, HiddenPartitionRequest request)
    {
        if (request.Size is not null && request.Percent is not null)
            throw new PeerStorageException("HiddenPartitionSizeAmbiguous", PeerErrorKind.InvalidArgument, "Give -Size or -Percent, not both.");
        if (new[] { request.Path, request.Device, request.Disk }.Count(p => p is not null) > 1)
            throw new PeerStorageException("HiddenPartitionCarrierAmbiguous", PeerErrorKind.InvalidArgument, "Give one of -Path, -Device and -Disk.");
        if (request.Device is not null) return DeviceCarrier.Create(home, request);
        if (request.Disk is not null) return DiskCarrier.Create(home, request);
        var id = Guid.NewGuid();
        var path = request.Path ?? System.IO.Path.Combine(home.Path, "vault", $".vault-{id:N}.psv");
        path = System.IO.Path.GetFullPath(path);
        if (BlockDevices.NameOf(path) is not null)
            throw new PeerStorageException("HiddenPartitionNotAFile", PeerErrorKind.InvalidArgument,
                $"'{path}' is a block device: give it to -Device (which checks that nothing uses it), not -Path.", target: path);
        var directory = System.IO.Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var size = SizeFor(directory, request);
        if (File.Exists(path) && !request.Force)
            throw new PeerStorageException("HiddenPartitionExists", PeerErrorKind.AlreadyExists, $"'{path}' exists; -Force formats it (its content is lost).", target: path);

        if (!File.Exists(path))
        {
            // Preallocate, so a lease never fails later for a disk that filled up meanwhile.
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, PreallocationSize = size };
            if (!OperatingSystem.IsWindows()) options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
            new FileStream(path, options).Dispose();
            if (OperatingSystem.IsWindows()) File.SetAttributes(path, FileAttributes.Hidden);
        }
        using var vault = VaultStore.Format(path, size, request.Force);
        return Register(home, vault, ContainerFile, path);
    }

    /// <summary>
    /// Every vault of the node, checked. A vault that a running node serves (its carrier is locked) is reported with
    /// Health "InUse" and the size recorded at creation, not opened.
    /// </summary>
    public static IReadOnlyList<HiddenStoragePartition> List(NodeHome home, string? id) =>
        Rows(home, id).Select(r =>
        {
            HiddenStoragePartition Unopened(string health) => new()
            {
                Id = r.Id, NodeId = home.NodeId.ToString(), Kind = r.Kind, Location = r.Location, Size = r.Size,
                Health = health, Created = r.Created, NodePath = home.Path, Leases = Leasing.LeaseHost.ActiveLeases(home, r.Id),
            };
            try
            {
                using var access = CarrierAccess.Reach(r.Kind, r.Location);
                using var vault = VaultStore.Open(access.Path);
                if (vault.Id.ToString() != r.Id) return Unopened($"Mismatch: '{r.Location}' holds another vault ({vault.Id}).");
                return Describe(home, r.Id, r.Kind, r.Location, r.Created, vault);
            }
            catch (PeerStorageException e) when (e.ErrorId == "VaultInUse")
            {
                return Unopened("InUse");
            }
            catch (PeerStorageException e)
            {
                return Unopened($"{e.ErrorId}: {e.Message}");
            }
        }).ToList();

    /// <summary>
    /// Wipes every region (the raw extents read back as zeros), then releases the space: a container file is deleted;
    /// on a device or partition the superblocks and metadata are zeroed too (nothing looks like a vault any more), and a
    /// GPT partition is deleted from its disk. A vault in use (a running node serves it) is refused with VaultInUse.
    /// </summary>
    public static void Remove(NodeHome home, string id, bool force = false)
    {
        var row = Rows(home, id).SingleOrDefault()
            ?? throw new PeerStorageException("HiddenPartitionNotFound", PeerErrorKind.NotFound, $"No hidden storage partition {id} on this node.", target: id);
        var leases = Leasing.LeaseHost.ActiveLeases(home, row.Id);
        if (leases > 0 && !force)
            throw new PeerStorageException("HiddenPartitionHasLeases", PeerErrorKind.InvalidOperation,
                $"Peers hold {leases} lease(s) on hidden storage partition {row.Id} that have not ended; -Force wipes them with it (their holders lose that data).", target: id);
        if (row.Kind == ContainerFile)
        {
            if (File.Exists(row.Location))
            {
                using (var vault = VaultStore.Open(row.Location))
                    foreach (var region in vault.Regions.ToList()) vault.Free(region);
                File.Delete(row.Location);
            }
        }
        else RemoveFromDevice(home, row);
        if (leases > 0) Leasing.LeaseHost.ForgetPartition(home, row.Id);
        DeleteRow(home, row.Id);
        home.Log.Tell("Wiped and removed hidden storage partition {Id}", row.Id);
    }

    private static void RemoveFromDevice(NodeHome home, Row row)
    {
        CarrierAccess access;
        try { access = CarrierAccess.Reach(row.Kind, row.Location); }
        catch (PeerStorageException e) when (e.ErrorId == "VaultNotFound")
        {
            home.Log.Tell("Hidden storage partition {Id}: its carrier {Location} is gone; forgetting it", row.Id, row.Location);
            return;
        }
        using (access)
        {
            VaultGeometry? geometry = null;
            try
            {
                using var vault = VaultStore.Open(access.Path);
                if (vault.Id.ToString() != row.Id)
                    throw new PeerStorageException("HiddenPartitionMismatch", PeerErrorKind.InvalidData,
                        $"'{row.Location}' holds another vault ({vault.Id}), not {row.Id}; nothing was wiped.", target: row.Location);
                foreach (var region in vault.Regions.ToList()) vault.Free(region);
                geometry = vault.Geometry;
            }
            catch (PeerStorageException e) when (e.ErrorId == "VaultNotFormatted")
            {
                home.Log.Tell("Hidden storage partition {Id}: {Location} holds no vault any more", row.Id, row.Location);
            }
            if (geometry is not null) Erase(access.Path, geometry);
        }
        if (row.Kind == GptPartition)
        {
            var (disk, guid) = CarrierAccess.ParseGptLocation(row.Location);
            if (File.Exists(disk) && GptDisk.Partitions(disk).FirstOrDefault(p => p.UniqueGuid == guid) is { } partition)
                GptDisk.DeletePartition(disk, partition.Number);
        }
    }

    /// <summary>
    /// Zeroes what is left of a vault whose regions were freed: both superblocks, the journal and the metadata slots,
    /// so neither blkid nor a later format or open finds anything. The carrier stays locked while it is done.
    /// </summary>
    private static void Erase(string path, VaultGeometry geometry)
    {
        using var device = VaultDevice.Open(path, create: false);
        device.Zero(0, geometry.DataOffset);
        device.Zero(geometry.BackupSuperblockOffset, VaultGeometry.MetadataBlockSize);
        var length = device.Length;
        if (length >= VaultGeometry.MetadataBlockSize && length - VaultGeometry.MetadataBlockSize != geometry.BackupSuperblockOffset)
        {
            var last = new byte[VaultGeometry.MetadataBlockSize];
            device.Read(length - last.Length, last);
            if (Superblock.HasMagic(last)) device.Zero(length - last.Length, last.Length);
        }
        device.Flush();
    }

    /// <summary>
    /// Opens a registered vault whatever its carrier: the one call a node needs to serve it. A GPT partition inside a
    /// disk image is reached through a loop device; one attached here is detached at once, which the kernel defers
    /// until the vault closes, so disposing the VaultStore is all the cleanup there is.
    /// </summary>
    internal static VaultStore Open(Row row)
    {
        using var access = CarrierAccess.Reach(row.Kind, row.Location);
        return VaultStore.Open(access.Path);
    }

    /// <summary>Records a freshly formatted vault in the node's state database and describes it.</summary>
    internal static HiddenStoragePartition Register(NodeHome home, VaultStore vault, string kind, string location)
    {
        var created = DateTimeOffset.UtcNow;
        home.State.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = "INSERT INTO hidden_partitions(id, kind, location, size, created) VALUES($id, $kind, $location, $size, $created)";
            command.Parameters.AddWithValue("$id", vault.Id.ToString());
            command.Parameters.AddWithValue("$kind", kind);
            command.Parameters.AddWithValue("$location", location);
            command.Parameters.AddWithValue("$size", vault.Size);
            command.Parameters.AddWithValue("$created", created.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        });
        home.Log.Tell("Created hidden storage partition {Id} ({Kind}, {Size} bytes) in {Location}", vault.Id, kind, vault.Size, location);
        return Describe(home, vault.Id.ToString(), kind, location, created, vault);
    }

    private static void DeleteRow(NodeHome home, string id) => home.State.Write((c, t) =>
    {
        using var command = c.CreateCommand();
        command.Transaction = t;
        command.CommandText = "DELETE FROM hidden_partitions WHERE id = $id";
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery();
    });

    private static long SizeFor(string directory, HiddenPartitionRequest request)
    {
        var drive = new DriveInfo(directory);
        var reserve = (long)(drive.TotalSize * ReserveShare);
        long size = request.Size ?? (request.Percent is { } p
            ? (long)(Math.Max(0, drive.AvailableFreeSpace - reserve) * (p / 100.0))
            : throw new PeerStorageException("HiddenPartitionSizeMissing", PeerErrorKind.InvalidArgument, "Give -Size or -Percent."));
        if (drive.AvailableFreeSpace - size < reserve)
            throw new PeerStorageException("HiddenPartitionTooLarge", PeerErrorKind.InvalidArgument,
                $"{size} bytes would leave the volume with less than its reserve ({ReserveShare:P0} of {drive.TotalSize} bytes); {Math.Max(0, drive.AvailableFreeSpace - reserve)} bytes can be lent.", target: size);
        return size;
    }

    private static HiddenStoragePartition Describe(NodeHome home, string id, string kind, string location, DateTimeOffset created, VaultStore vault)
    {
        var check = vault.Check();
        return new HiddenStoragePartition
        {
            Id = id, NodeId = home.NodeId.ToString(), Kind = kind, Location = location, Size = vault.Size, Used = vault.Used,
            Free = vault.Available, Health = check.IsHealthy ? "Healthy" : check.ToString(), Created = created, NodePath = home.Path,
            Leases = Leasing.LeaseHost.ActiveLeases(home, id),
        };
    }

    internal sealed record Row(string Id, string Kind, string Location, long Size, DateTimeOffset Created);

    internal static IReadOnlyList<Row> Rows(NodeHome home, string? id) => home.State.Read(c =>
    {
        using var command = c.CreateCommand();
        command.CommandText = "SELECT id, kind, location, size, created FROM hidden_partitions" + (id is null ? "" : " WHERE id = $id") + " ORDER BY created";
        if (id is not null) command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        var rows = new List<Row>();
        while (reader.Read())
            rows.Add(new Row(reader.GetString(0), reader.GetString(1), reader.GetString(2), reader.GetInt64(3),
                DateTimeOffset.Parse(reader.GetString(4), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind)));
        return (IReadOnlyList<Row>)rows;
    });
}
