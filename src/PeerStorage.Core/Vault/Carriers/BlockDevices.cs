namespace PeerStorage.Core.Vault;

/// <summary>Linux block devices through sysfs and procfs: what a path is, its partitions, and whether anything uses it.</summary>
internal static class BlockDevices
{
    /// <summary>The path with every symlink resolved (/dev/disk/by-id/... becomes /dev/sdb).</summary>
    public static string Resolve(string path)
    {
        var full = System.IO.Path.GetFullPath(path);
        try
        {
            var info = new FileInfo(full);
            return info.LinkTarget is null ? full : info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException) { return full; }
    }

    /// <summary>The kernel's name for a block device path ("loop3p1"), or null when the path is not a block device.</summary>
    public static string? NameOf(string path)
    {
        if (!OperatingSystem.IsLinux()) return null;
        var target = Resolve(path);
        if (!target.StartsWith("/dev/", StringComparison.Ordinal)) return null;
        var name = System.IO.Path.GetFileName(target);
        return Directory.Exists($"/sys/class/block/{name}") ? name : null;
    }

    /// <summary>The partitions the kernel knows on a disk (names like "loop3p1"), with their numbers.</summary>
    public static IReadOnlyList<(string Name, int Number)> Partitions(string name)
    {
        var directory = $"/sys/class/block/{name}";
        if (!Directory.Exists(directory)) return [];
        var found = new List<(string, int)>();
        foreach (var child in Directory.EnumerateDirectories(directory))
        {
            var number = System.IO.Path.Combine(child, "partition");
            if (File.Exists(number) && int.TryParse(File.ReadAllText(number).Trim(), out var n))
                found.Add((System.IO.Path.GetFileName(child), n));
        }
        return found;
    }

    /// <summary>The logical sector size of a block device (512 when unknown).</summary>
    public static int LogicalSectorSize(string name)
    {
        var disk = File.Exists($"/sys/class/block/{name}/partition")
            ? System.IO.Path.GetFileName(System.IO.Path.GetDirectoryName(Resolve($"/sys/class/block/{name}")))! : name;
        try { return int.Parse(File.ReadAllText($"/sys/class/block/{disk}/queue/logical_block_size").Trim()); }
        catch (Exception e) when (e is IOException or FormatException or UnauthorizedAccessException) { return 512; }
    }

    /// <summary>
    /// Refuses a device that is mounted, used as swap, or held by another kernel driver (device mapper, RAID, LVM),
    /// itself or through one of its partitions (unless <paramref name="includePartitions"/> is false).
    /// </summary>
    public static void ThrowIfInUse(string path, bool includePartitions = true)
    {
        var name = NameOf(path);
        if (name is null) return;
        var names = new List<string> { name };
        if (includePartitions) names.AddRange(Partitions(name).Select(p => p.Name));
        var numbers = names.ToDictionary(n => ReadOrNull($"/sys/class/block/{n}/dev") ?? "?", n => n);

        foreach (var mount in Mounts())
        {
            var hit = numbers.GetValueOrDefault(mount.Number)
                      ?? (mount.Source.StartsWith("/dev/", StringComparison.Ordinal) && NameOf(mount.Source) is { } s && names.Contains(s) ? s : null);
            if (hit is not null)
                throw new PeerStorageException("DeviceMounted", PeerErrorKind.ResourceUnavailable,
                    $"'{path}' is in use: /dev/{hit} is mounted on {mount.Point}. Unmount it first; a mounted device is never overwritten.", target: path);
        }
        foreach (var swap in Lines("/proc/swaps").Skip(1))
        {
            var device = swap.Split(' ', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            if (device is not null && device.StartsWith("/dev/", StringComparison.Ordinal) && NameOf(device) is { } s && names.Contains(s))
                throw new PeerStorageException("DeviceMounted", PeerErrorKind.ResourceUnavailable,
                    $"'{path}' is in use: /dev/{s} is active swap space. Turn it off first (swapoff).", target: path);
        }
        foreach (var n in names)
        {
            var holders = $"/sys/class/block/{n}/holders";
            if (Directory.Exists(holders) && Directory.EnumerateFileSystemEntries(holders).FirstOrDefault() is { } holder)
                throw new PeerStorageException("DeviceInUse", PeerErrorKind.ResourceUnavailable,
                    $"'{path}' is in use: /dev/{n} is held by {System.IO.Path.GetFileName(holder)} (device mapper, RAID or LVM).", target: path);
        }
    }

    private sealed record Mount(string Number, string Point, string Source);

    /// <summary>/proc/self/mountinfo: each mount's device number (major:minor), mount point and source.</summary>
    private static IEnumerable<Mount> Mounts()
    {
        foreach (var line in Lines("/proc/self/mountinfo"))
        {
            var fields = line.Split(' ');
            var separator = Array.IndexOf(fields, "-");
            if (fields.Length < 5 || separator < 0 || separator + 2 >= fields.Length) continue;
            yield return new Mount(fields[2], Unescape(fields[4]), Unescape(fields[separator + 2]));
        }
    }

    private static string Unescape(string field) =>
        System.Text.RegularExpressions.Regex.Replace(field, @"\\([0-7]{3})", m => ((char)Convert.ToInt32(m.Groups[1].Value, 8)).ToString());

    private static IEnumerable<string> Lines(string file)
    {
        try { return File.ReadAllLines(file); }
        catch (IOException) { return []; }
        catch (UnauthorizedAccessException) { return []; }
    }

    private static string? ReadOrNull(string file)
    {
        try { return File.ReadAllText(file).Trim(); }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }
}
