using System.Globalization;
using System.Text.RegularExpressions;

namespace PeerStorage.Core.Vault;

/// <summary>One GPT partition as sgdisk reports it.</summary>
internal sealed record GptPartitionInfo(int Number, Guid UniqueGuid, Guid TypeGuid, long FirstSector, long LastSector, int SectorSize, ulong Attributes, string Name)
{
    public long Offset => FirstSector * SectorSize;
    public long Length => (LastSector - FirstSector + 1) * SectorSize;
}

/// <summary>
/// A disk or disk image's GUID partition table, read and changed through sgdisk (package gdisk). Vault partitions
/// carry <see cref="VaultTypeGuid"/>, the name <see cref="PartitionName"/> and attribute bits 0 (platform required),
/// 62 (hidden) and 63 (no drive letter / no automount).
/// </summary>
internal static partial class GptDisk
{
    /// <summary>PeerStorage's own partition type: no OS has a driver for it, so none mounts or formats it.</summary>
    public static readonly Guid VaultTypeGuid = new("36d8fa44-ca91-4e38-8f5f-7cdea54233b5");
    public const string PartitionName = "PeerStorage vault";
    /// <summary>Bits 0, 62 and 63.</summary>
    public const ulong VaultAttributes = 1UL | 1UL << 62 | 1UL << 63;
    /// <summary>New partitions start and end on 1 MiB boundaries (sgdisk's default alignment).</summary>
    public const long Alignment = 1024 * 1024;

    public enum TableKind { Gpt, Empty, Other }

    /// <summary>
    /// What the disk holds at its start: a GPT, nothing recognizable (all zeros or no signature), or something else
    /// (an MBR partition table, a filesystem on the whole disk...), described in <paramref name="what"/>.
    /// </summary>
    public static TableKind Inspect(string disk, int sectorSize, out string? what)
    {
        var head = new byte[Math.Max(FilesystemSignatures.HeadLength, 2 * 4096)];
        int read;
        using (var stream = new FileStream(disk, FileMode.Open, FileAccess.Read, FileShare.ReadWrite)) read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var span = head.AsSpan(0, read);
        what = null;
        if (HasGptHeader(span, sectorSize)) return TableKind.Gpt;
        what = FilesystemSignatures.Identify(span, []);
        if (what is null && span.Length >= 512 && span[510] == 0x55 && span[511] == 0xAA) what = "an MBR partition table or boot sector";
        if (what is null && Probe(disk) is { } probed) what = probed;
        return what is null ? TableKind.Empty : TableKind.Other;
    }

    private static bool HasGptHeader(ReadOnlySpan<byte> head, int sectorSize)
    {
        foreach (var offset in new[] { sectorSize, 512, 4096 })
            if (head.Length >= offset + 8 && head.Slice(offset, 8).SequenceEqual("EFI PART"u8)) return true;
        return false;
    }

    /// <summary>What blkid's low-level probe recognizes on a device or file ("an ext4 filesystem"), or null (also when blkid is missing).</summary>
    public static string? Probe(string path)
    {
        if (ExternalTool.Find("blkid") is null) return null;
        var result = ExternalTool.Run("blkid", "-p", "-o", "export", path);
        if (result.ExitCode != 0) return null; // 2: nothing found
        var fields = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => l.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (fields.TryGetValue("TYPE", out var type)) return $"a {type} {(fields.GetValueOrDefault("USAGE") is { Length: > 0 } usage && usage != "filesystem" ? usage : "filesystem")} signature";
        if (fields.TryGetValue("PTTYPE", out var table)) return $"a {table} partition table";
        return null;
    }

    /// <summary>Replaces whatever table the disk has with a new, empty GPT.</summary>
    public static void CreateTable(string disk) => ExternalTool.RunChecked("sgdisk", "--clear", disk);

    public static int SectorSize(string disk)
    {
        var match = SectorSizeLine().Match(ExternalTool.RunChecked("sgdisk", "--print", disk).Output);
        return match.Success ? int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture) : 512;
    }

    /// <summary>The partitions in the table.</summary>
    public static IReadOnlyList<GptPartitionInfo> Partitions(string disk)
    {
        var print = ExternalTool.RunChecked("sgdisk", "--print", disk).Output;
        var sectorSize = SectorSizeLine().Match(print) is { Success: true } m ? int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture) : 512;
        var list = new List<GptPartitionInfo>();
        foreach (Match row in TableRow().Matches(print))
        {
            var number = int.Parse(row.Groups[1].Value, CultureInfo.InvariantCulture);
            var info = ExternalTool.RunChecked("sgdisk", "--info", number.ToString(CultureInfo.InvariantCulture), disk).Output;
            string Field(string label) => Regex.Match(info, "^" + Regex.Escape(label) + @":\s*(.*)$", RegexOptions.Multiline).Groups[1].Value.Trim();
            list.Add(new GptPartitionInfo(
                number,
                Guid.TryParse(Field("Partition unique GUID"), out var unique) ? unique : Guid.Empty,
                Guid.TryParse(Field("Partition GUID code").Split(' ')[0], out var type) ? type : Guid.Empty,
                long.Parse(row.Groups[2].Value, CultureInfo.InvariantCulture),
                long.Parse(row.Groups[3].Value, CultureInfo.InvariantCulture),
                sectorSize,
                ulong.TryParse(Field("Attribute flags"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var attributes) ? attributes : 0,
                Field("Partition name").Trim('\'')));
        }
        return list;
    }

    /// <summary>The largest free block, as (first aligned sector, last sector); null when there is none.</summary>
    public static (long First, long Last)? LargestFree(string disk)
    {
        var first = LastNumber(ExternalTool.RunChecked("sgdisk", "--first-aligned-in-largest", disk).Output);
        var last = LastNumber(ExternalTool.RunChecked("sgdisk", "--end-of-largest", disk).Output);
        return first is { } f && last is { } l && l > f ? (f, l) : null;
    }

    /// <summary>Adds the vault partition; returns nothing until sgdisk has written both tables.</summary>
    public static void AddVaultPartition(string disk, int number, long first, long last, Guid unique)
    {
        var n = number.ToString(CultureInfo.InvariantCulture);
        ExternalTool.RunChecked("sgdisk",
            "--new", $"{n}:{first}:{last}",
            "--typecode", $"{n}:{VaultTypeGuid.ToString().ToUpperInvariant()}",
            "--partition-guid", $"{n}:{unique.ToString().ToUpperInvariant()}",
            "--change-name", $"{n}:{PartitionName}",
            "--attributes", $"{n}:set:0", "--attributes", $"{n}:set:62", "--attributes", $"{n}:set:63",
            disk);
        TellKernel(disk, number, add: true);
    }

    public static void DeletePartition(string disk, int number)
    {
        ExternalTool.RunChecked("sgdisk", "--delete", number.ToString(CultureInfo.InvariantCulture), disk);
        TellKernel(disk, number, add: false);
    }

    /// <summary>
    /// After a disk's table was wiped: drops the partitions the kernel still shows for it, so no stale /dev node keeps
    /// pointing into what is now the vault (a kernel that re-read the empty table has none left anyway).
    /// </summary>
    public static void ForgetKernelPartitions(string disk)
    {
        if (BlockDevices.NameOf(disk) is { } name && BlockDevices.Partitions(name).Count > 0 && ExternalTool.Find("partx") is not null)
            ExternalTool.Run("partx", "--delete", disk);
    }

    /// <summary>The lowest partition number not in use.</summary>
    public static int FreeNumber(IReadOnlyList<GptPartitionInfo> partitions)
    {
        var used = partitions.Select(p => p.Number).ToHashSet();
        for (var n = 1; n <= 128; n++) if (!used.Contains(n)) return n;
        throw new PeerStorageException("DiskPartitionTableFull", PeerErrorKind.ResourceUnavailable, "The disk's partition table has no free entry.");
    }

    /// <summary>
    /// sgdisk asks the kernel to re-read the table, which fails while another partition of the disk is in use;
    /// partx then adds or removes just the one partition. Only for block devices; an image file has no kernel view.
    /// </summary>
    private static void TellKernel(string disk, int number, bool add)
    {
        var name = BlockDevices.NameOf(disk);
        if (name is null || ExternalTool.Find("partx") is null) return;
        var known = BlockDevices.Partitions(name).Any(p => p.Number == number);
        if (known == add) return;
        ExternalTool.Run("partx", add ? "--add" : "--delete", "--nr", number.ToString(CultureInfo.InvariantCulture), disk);
    }

    private static long? LastNumber(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Trim()).Reverse()
            .Select(l => long.TryParse(l, NumberStyles.None, CultureInfo.InvariantCulture, out var v) ? v : (long?)null)
            .FirstOrDefault(v => v is not null);

    [GeneratedRegex(@"Sector size \(logical\): (\d+) bytes")]
    private static partial Regex SectorSizeLine();

    [GeneratedRegex(@"^\s+(\d+)\s+(\d+)\s+(\d+)\s", RegexOptions.Multiline)]
    private static partial Regex TableRow();
}
