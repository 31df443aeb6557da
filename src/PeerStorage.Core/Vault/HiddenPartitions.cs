using System.Globalization;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Vault;

/// <summary>What New-HiddenStoragePartition asks for: a container file, sized in bytes or as a share of free space.</summary>
public sealed record HiddenPartitionRequest(string? Path, long? Size, int? Percent, bool Force);

/// <summary>
/// The vaults a node lends space from, registered in its state database. Carriers so far: a preallocated container
/// file (hidden: a dot-name in the node home's vault folder, owner-only). Raw devices and GPT partitions come next.
/// </summary>
public static class HiddenPartitions
{
    public const string ContainerFile = "ContainerFile";
    /// <summary>Space left to the OS on the volume, at least: never lend the disk full.</summary>
    public const double ReserveShare = 0.10;

    public static HiddenStoragePartition Create(NodeHome home, HiddenPartitionRequest request)
    {
        var id = Guid.NewGuid();
        var path = request.Path ?? System.IO.Path.Combine(home.Path, "vault", $".vault-{id:N}.psv");
        path = System.IO.Path.GetFullPath(path);
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
        var created = DateTimeOffset.UtcNow;
        home.State.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = "INSERT INTO hidden_partitions(id, kind, location, size, created) VALUES($id, $kind, $location, $size, $created)";
            command.Parameters.AddWithValue("$id", vault.Id.ToString());
            command.Parameters.AddWithValue("$kind", ContainerFile);
            command.Parameters.AddWithValue("$location", path);
            command.Parameters.AddWithValue("$size", vault.Size);
            command.Parameters.AddWithValue("$created", created.ToString("O", CultureInfo.InvariantCulture));
            command.ExecuteNonQuery();
        });
        home.Log.Tell("Created hidden storage partition {Id} ({Size} bytes) in {Path}", vault.Id, vault.Size, path);
        return Describe(home, vault.Id.ToString(), ContainerFile, path, created, vault);
    }

    public static IReadOnlyList<HiddenStoragePartition> List(NodeHome home, string? id) =>
        Rows(home, id).Select(r =>
        {
            try
            {
                using var vault = VaultStore.Open(r.Location);
                return Describe(home, r.Id, r.Kind, r.Location, r.Created, vault);
            }
            catch (PeerStorageException e)
            {
                return new HiddenStoragePartition
                {
                    Id = r.Id, NodeId = home.NodeId.ToString(), Kind = r.Kind, Location = r.Location, Size = r.Size,
                    Health = $"{e.ErrorId}: {e.Message}", Created = r.Created, NodePath = home.Path,
                };
            }
        }).ToList();

    /// <summary>Wipes every region (the raw extents read back as zeros), then releases the space.</summary>
    public static void Remove(NodeHome home, string id)
    {
        var row = Rows(home, id).SingleOrDefault()
            ?? throw new PeerStorageException("HiddenPartitionNotFound", PeerErrorKind.NotFound, $"No hidden storage partition {id} on this node.", target: id);
        if (File.Exists(row.Location))
        {
            using (var vault = VaultStore.Open(row.Location))
                foreach (var region in vault.Regions.ToList()) vault.Free(region);
            File.Delete(row.Location);
        }
        home.State.Write((c, t) =>
        {
            using var command = c.CreateCommand();
            command.Transaction = t;
            command.CommandText = "DELETE FROM hidden_partitions WHERE id = $id";
            command.Parameters.AddWithValue("$id", row.Id);
            command.ExecuteNonQuery();
        });
        home.Log.Tell("Wiped and removed hidden storage partition {Id}", row.Id);
    }

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
