using System.Diagnostics;
using PeerStorage.Core.Node;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// The carriers of New-HiddenStoragePartition: the exclusive lock on any carrier, a raw block device, and a new GPT
/// partition on a disk image or a disk. Device tests use real loop devices (root, losetup, sgdisk, blkid; skipped
/// otherwise) and detach them whatever happens.
/// </summary>
public sealed class VaultCarrierTests : IDisposable
{
    private const long ImageSize = 96L * 1024 * 1024;
    private readonly TempDirectory _temp = new();
    private readonly NodeHome _home;
    private readonly List<string> _loops = [];
    private readonly List<string> _mounts = [];

    public VaultCarrierTests()
    {
        Directory.CreateDirectory(_temp.Path);
        _home = NodeHome.Initialize(_temp.Combine("node"), new NodeInitOptions("carrier", 0));
    }

    public void Dispose()
    {
        foreach (var mount in _mounts) Tool.Run("umount", mount);
        foreach (var loop in _loops) Tool.Run("losetup", "--detach", loop);
        _home.Dispose();
        _temp.Dispose();
    }

    [Fact]
    public void A_carrier_opens_once_a_second_open_is_VaultInUse_and_raw_readers_still_read()
    {
        var path = _temp.Combine("vault.bin");
        using (var vault = VaultStore.Format(path, 8 * 1024 * 1024))
        {
            var second = Assert.Throws<PeerStorageException>(() => VaultStore.Open(path));
            Assert.Equal("VaultInUse", second.ErrorId);
            Assert.Equal(PeerErrorKind.ResourceUnavailable, second.Kind);
            Assert.Contains(path, second.Message);
            Assert.Equal("VaultInUse", Assert.Throws<PeerStorageException>(() => VaultStore.Format(path, force: true)).ErrorId);
            // A diagnostic reader of the raw bytes is not shut out by the lock.
            using var raw = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Assert.Equal(vault.Geometry.TotalSize, raw.Length);
        }
        using var again = VaultStore.Open(path); // released on Dispose
        Assert.True(again.Check().IsHealthy);
    }

    [Fact]
    public async Task A_carrier_closed_while_this_process_spawns_children_reopens_at_once()
    {
        // A child between fork and exec holds a copy of every descriptor, and with it the carrier's lock: the open
        // must ride that out rather than report VaultInUse.
        if (!File.Exists("/bin/true")) return;
        var path = _temp.Combine("spawn.bin");
        VaultStore.Format(path, 8 * 1024 * 1024).Dispose();
        using var stop = new CancellationTokenSource();
        var spawner = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
                using (var child = Process.Start(new ProcessStartInfo("/bin/true"))!) child.WaitForExit();
        });
        try
        {
            for (var i = 0; i < 500; i++) VaultStore.Open(path).Dispose();
        }
        finally
        {
            await stop.CancelAsync();
            await spawner;
        }
    }

    [Fact]
    public void A_vault_in_use_is_listed_InUse_with_its_recorded_size_and_cannot_be_removed()
    {
        var created = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, 16L * 1024 * 1024, null, false));
        using (var serving = VaultStore.Open(created.Location))
        {
            var listed = Assert.Single(HiddenPartitions.List(_home, null));
            Assert.Equal("InUse", listed.Health);
            Assert.Equal(created.Size, listed.Size);
            Assert.Equal("VaultInUse", Assert.Throws<PeerStorageException>(() => HiddenPartitions.Remove(_home, created.Id)).ErrorId);
            Assert.True(File.Exists(created.Location));
        }
        Assert.Equal("Healthy", Assert.Single(HiddenPartitions.List(_home, null)).Health);
        HiddenPartitions.Remove(_home, created.Id);
        Assert.Empty(HiddenPartitions.List(_home, null));
    }

    [Fact]
    public void Size_and_percent_together_are_refused()
    {
        var error = Assert.Throws<PeerStorageException>(() => HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, 1L << 24, 10, false)));
        Assert.Equal("HiddenPartitionSizeAmbiguous", error.ErrorId);
    }

    [Fact]
    public void A_device_with_ext4_is_refused_untouched_and_formatted_when_forced_then_wiped_by_remove()
    {
        if (!CanUseLoopDevices()) return;
        var device = AttachImage("device.img");
        Tool.Check("mkfs.ext4", "-q", "-F", device);

        var asFile = Assert.Throws<PeerStorageException>(() => HiddenPartitions.Create(_home, new HiddenPartitionRequest(device, 16L << 20, null, true)));
        Assert.Equal("HiddenPartitionNotAFile", asFile.ErrorId);
        var refused = Assert.Throws<PeerStorageException>(() => CreateOn(device, force: false));
        Assert.Equal("VaultTargetNotEmpty", refused.ErrorId);
        Assert.Contains("ext4", refused.Message);
        Assert.Contains("TYPE=\"ext4\"", Tool.Run("blkid", "-p", device).Output); // intact
        Assert.Empty(HiddenPartitions.List(_home, null));

        var partition = CreateOn(device, force: true);
        Assert.Equal("Device", partition.Kind);
        Assert.Equal(device, partition.Location);
        Assert.Equal("Healthy", partition.Health);
        AssertNoFilesystem(device);

        var data = VaultDataTests.Random(300_000, seed: 11);
        Guid regionId;
        using (var vault = VaultStore.Open(device))
        {
            Assert.Equal(partition.Id, vault.Id.ToString());
            var region = vault.Allocate("peer", data.Length);
            regionId = region.Id;
            vault.Write(region, 0, data);
            Assert.Equal("InUse", Assert.Single(HiddenPartitions.List(_home, null)).Health);
        }
        using (var vault = VaultStore.Open(device))
        {
            var back = new byte[data.Length];
            vault.Read(vault.GetRegion(regionId), 0, back);
            Assert.Equal(data, back);
        }
        Assert.Equal("HiddenPartitionExists", Assert.Throws<PeerStorageException>(() => CreateOn(device, force: true)).ErrorId);

        HiddenPartitions.Remove(_home, partition.Id);
        Assert.Empty(HiddenPartitions.List(_home, null));
        AssertNoFilesystem(device);
        Assert.Equal("VaultNotFormatted", Assert.Throws<PeerStorageException>(() => VaultStore.Open(device)).ErrorId);
        var raw = File.ReadAllBytes(_temp.Combine("device.img"));
        Assert.False(raw.AsSpan().IndexOf(data.AsSpan(5000, 64)) >= 0, "the peer's data survives the removal");
        Assert.False(raw.AsSpan().IndexOf("PSVAULT"u8) >= 0, "a superblock survives the removal");
    }

    [Fact]
    public void A_mounted_device_or_a_device_with_a_mounted_partition_is_refused_even_when_forced()
    {
        if (!CanUseLoopDevices()) return;
        var device = AttachImage("mounted.img");
        Tool.Check("mkfs.ext4", "-q", "-F", device);
        Mount(device);
        Assert.Equal("DeviceMounted", Assert.Throws<PeerStorageException>(() => CreateOn(device, force: true)).ErrorId);

        // A disk whose partition is mounted: the whole disk is refused too.
        var image = _temp.Combine("partitioned.img");
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        Tool.Check("sgdisk", "--new", "1:2048:+32M", image);
        var disk = Attach("--partscan", image);
        var first = PartitionNode(disk, 1);
        Tool.Check("mkfs.ext4", "-q", "-F", first);
        Mount(first);
        var error = Assert.Throws<PeerStorageException>(() => CreateOn(disk, force: true));
        Assert.Equal("DeviceMounted", error.ErrorId);
        Assert.Contains(Path.GetFileName(first), error.Message);
        Assert.Contains("TYPE=\"ext4\"", Tool.Run("blkid", "-p", first).Output);
    }

    [Fact]
    public void A_partitioned_disk_given_to_Device_is_refused_and_when_forced_keeps_no_stale_partition()
    {
        if (!CanUseLoopDevices() || ExternalTool.Find("sgdisk") is null) return;
        var image = _temp.Combine("partitioned-device.img");
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        Tool.Check("sgdisk", "--new", "1:2048:+16M", image);
        var disk = Attach("--partscan", image);
        var first = PartitionNode(disk, 1);

        var refused = Assert.Throws<PeerStorageException>(() => CreateOn(disk, force: false));
        Assert.Equal("VaultTargetNotEmpty", refused.ErrorId);
        Assert.Contains("gpt", refused.Message);

        var partition = CreateOn(disk, force: true);
        Assert.Equal("Healthy", partition.Health);
        AssertNoFilesystem(disk);
        Assert.DoesNotContain("PTTYPE", Tool.Run("blkid", "-p", disk).Output); // the backup GPT at the end is gone too
        for (var i = 0; i < 100 && File.Exists(first); i++) Thread.Sleep(20);
        Assert.False(File.Exists(first), $"{first} still points into the vault");
        HiddenPartitions.Remove(_home, partition.Id);
    }

    [Fact]
    public void A_disk_image_gets_a_hidden_gpt_partition_of_our_type_listed_and_deleted_on_remove()
    {
        if (!CanUseLoopDevices() || ExternalTool.Find("sgdisk") is null) return;
        var image = _temp.Combine("disk.img");
        using (var file = File.Create(image)) file.SetLength(ImageSize);

        var partition = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, 40L * 1024 * 1024, null, false) { Disk = image });
        Assert.Equal("GptPartition", partition.Kind);
        Assert.StartsWith(image + "#PARTUUID=", partition.Location);
        Assert.Equal("Healthy", partition.Health);
        Assert.True(partition.Size > 30L * 1024 * 1024, $"size {partition.Size}");

        var info = Tool.Check("sgdisk", "--info", "1", image);
        Assert.Contains("Partition GUID code: 36D8FA44-CA91-4E38-8F5F-7CDEA54233B5", info);
        Assert.Contains("Attribute flags: C000000000000001", info);
        Assert.Contains("Partition name: 'PeerStorage vault'", info);
        var guid = partition.Location[(partition.Location.IndexOf('=') + 1)..];
        Assert.Contains(guid, info, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("40.0 MiB", Tool.Check("sgdisk", "--print", image));

        // The kernel's own view of the partition: nothing it could mount.
        var disk = Attach("--partscan", "--read-only", image);
        var node = PartitionNode(disk, 1);
        AssertNoFilesystem(node);
        Tool.Run("losetup", "--detach", disk);
        _loops.Remove(disk);

        // Served by a node (held open through the same loop device): InUse, and Remove refuses.
        using (var vault = HiddenPartitions.Open(Assert.Single(HiddenPartitions.Rows(_home, partition.Id))))
        {
            Assert.Single(Tool.Check("losetup", "--associated", image).Trim().Split('\n'));
            var region = vault.Allocate("peer", 100_000);
            vault.Write(region, 0, VaultDataTests.Random(100_000, seed: 3));
            Assert.Equal("InUse", Assert.Single(HiddenPartitions.List(_home, null)).Health);
            Assert.Equal("VaultInUse", Assert.Throws<PeerStorageException>(() => HiddenPartitions.Remove(_home, partition.Id)).ErrorId);
        }
        for (var i = 0; i < 100 && Tool.Run("losetup", "--associated", image).Output.Trim().Length > 0; i++) Thread.Sleep(20);
        Assert.Empty(Tool.Run("losetup", "--associated", image).Output.Trim()); // the loop device went with the vault
        var listed = Assert.Single(HiddenPartitions.List(_home, null));
        Assert.Equal("Healthy", listed.Health);
        Assert.True(listed.Used >= 100_000, $"used {listed.Used}");

        // A second one goes into the remaining free block.
        var second = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, null, 100, false) { Disk = image });
        Assert.Contains("Partition name: 'PeerStorage vault'", Tool.Check("sgdisk", "--info", "2", image));
        Assert.Equal(2, HiddenPartitions.List(_home, null).Count(p => p.Health == "Healthy"));

        HiddenPartitions.Remove(_home, partition.Id);
        HiddenPartitions.Remove(_home, second.Id);
        Assert.Empty(HiddenPartitions.List(_home, null));
        Assert.DoesNotContain("PeerStorage vault", Tool.Check("sgdisk", "--print", image));
        Assert.False(File.ReadAllBytes(image).AsSpan().IndexOf("PSVAULT"u8) >= 0, "a superblock survives the removal");
        for (var i = 0; i < 100 && Tool.Run("losetup", "--associated", image).Output.Trim().Length > 0; i++) Thread.Sleep(20);
        Assert.Empty(Tool.Run("losetup", "--associated", image).Output.Trim()); // no loop device left behind
    }

    [Fact]
    public void A_disk_that_holds_something_else_is_refused_unless_forced()
    {
        if (!CanUseLoopDevices() || ExternalTool.Find("sgdisk") is null) return;
        var image = _temp.Combine("whole-disk-fs.img");
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        Tool.Check("mkfs.ext4", "-q", "-F", image);
        var refused = Assert.Throws<PeerStorageException>(() => HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, null, 50, false) { Disk = image }));
        Assert.Equal("DiskNotEmpty", refused.ErrorId);
        Assert.Contains("TYPE=\"ext4\"", Tool.Run("blkid", "-p", image).Output);

        var forced = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, null, 50, true) { Disk = image });
        Assert.Equal("Healthy", forced.Health);
        Assert.Contains("PTTYPE=\"gpt\"", Tool.Run("blkid", "-p", image).Output);
        Assert.DoesNotContain("ext4", Tool.Run("blkid", "-p", image).Output);
        HiddenPartitions.Remove(_home, forced.Id);
    }

    [Fact]
    public void A_block_disk_gets_the_partition_through_its_kernel_node()
    {
        if (!CanUseLoopDevices() || ExternalTool.Find("sgdisk") is null) return;
        var image = _temp.Combine("blockdisk.img");
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        var disk = Attach("--partscan", image);

        var partition = HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, 32L * 1024 * 1024, null, false) { Disk = disk });
        Assert.Equal("Healthy", partition.Health);
        var node = disk + "p1";
        Assert.True(File.Exists(node), "the kernel shows the new partition");
        AssertNoFilesystem(node);
        using (var vault = VaultStore.Open(node)) Assert.Equal(partition.Id, vault.Id.ToString());
        Assert.Equal("Healthy", Assert.Single(HiddenPartitions.List(_home, null)).Health);

        HiddenPartitions.Remove(_home, partition.Id);
        Assert.DoesNotContain("PeerStorage vault", Tool.Check("sgdisk", "--print", disk));
        for (var i = 0; i < 100 && File.Exists(node); i++) Thread.Sleep(20);
        Assert.False(File.Exists(node), "the kernel still shows the deleted partition");
    }

    private HiddenStoragePartition CreateOn(string device, bool force) =>
        HiddenPartitions.Create(_home, new HiddenPartitionRequest(null, null, null, force) { Device = device });

    /// <summary>blkid's low-level probe finds no filesystem (partition entries may be reported), and file -s says data.</summary>
    private static void AssertNoFilesystem(string device)
    {
        var (code, output) = Tool.Run("blkid", "-p", device);
        Assert.True(code == 2 || !output.Contains(" TYPE=", StringComparison.Ordinal) && !output.Contains("USAGE=", StringComparison.Ordinal),
            $"blkid recognized something on {device}: {output}");
        if (ExternalTool.Find("file") is not null)
        {
            var described = Tool.Check("file", "-s", device);
            Assert.DoesNotContain("filesystem", described, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(": data", described);
        }
    }

    private static bool CanUseLoopDevices() =>
        OperatingSystem.IsLinux() && Environment.UserName == "root" && ExternalTool.Find("losetup") is not null
        && ExternalTool.Find("blkid") is not null && ExternalTool.Find("mkfs.ext4") is not null && File.Exists("/proc/self/mountinfo");

    private string AttachImage(string name)
    {
        var image = _temp.Combine(name);
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        return Attach(image);
    }

    private string Attach(params string[] arguments)
    {
        var device = Tool.Check("losetup", ["--find", "--show", .. arguments]).Trim();
        _loops.Insert(0, device);
        return device;
    }

    /// <summary>
    /// The kernel node of a loop device's partition. Some kernels (this CI's) scan no partition tables themselves;
    /// partx reads the table and adds the partitions then.
    /// </summary>
    private static string PartitionNode(string disk, int number)
    {
        var node = $"{disk}p{number}";
        for (var i = 0; i < 25 && !File.Exists(node); i++) Thread.Sleep(20);
        if (!File.Exists(node)) Tool.Run("partx", "--add", disk);
        for (var i = 0; i < 100 && !File.Exists(node); i++) Thread.Sleep(20);
        Assert.True(File.Exists(node), $"{node} did not appear");
        return node;
    }

    private void Mount(string device)
    {
        var point = _temp.Combine("mnt-" + Path.GetFileName(device));
        Directory.CreateDirectory(point);
        Tool.Check("mount", device, point);
        _mounts.Insert(0, point);
    }

    private static class Tool
    {
        public static (int ExitCode, string Output) Run(string file, params string[] arguments)
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            start.Environment["LC_ALL"] = "C";
            using var process = Process.Start(start)!;
            var error = process.StandardError.ReadToEndAsync();
            var output = process.StandardOutput.ReadToEnd() + error.Result;
            process.WaitForExit();
            return (process.ExitCode, output);
        }

        public static string Check(string file, params string[] arguments)
        {
            var (code, output) = Run(file, arguments);
            Assert.True(code == 0, $"{file} {string.Join(' ', arguments)} failed ({code}): {output}");
            return output;
        }
    }
}
