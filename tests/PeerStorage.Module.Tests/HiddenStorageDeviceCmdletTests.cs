using System.Diagnostics;

namespace PeerStorage.Module.Tests;

/// <summary>
/// New/Get/Remove-HiddenStoragePartition on the destructive carriers, through the built module: -Device on a loop
/// device and -Disk on a disk image file. Needs root, losetup, blkid, mkfs.ext4 and sgdisk; skipped otherwise. Loop
/// devices are detached whatever happens.
/// </summary>
public sealed class HiddenStorageDeviceCmdletTests : IDisposable
{
    private const long ImageSize = 96L * 1024 * 1024;
    private const string New = "PeerStorage.PowerShell.Leasing.NewHiddenStoragePartitionCommand";
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _home = new();
    private readonly string _images = Path.Combine(Path.GetTempPath(), "peerstorage-images-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<string> _loops = [];

    public HiddenStorageDeviceCmdletTests()
    {
        Directory.CreateDirectory(_images);
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0", _home.Path).Errors);
    }

    public void Dispose()
    {
        _ps.Dispose();
        foreach (var loop in _loops) Run("losetup", "--detach", loop);
        _home.Dispose();
        try { Directory.Delete(_images, recursive: true); } catch (IOException) { }
    }

    [Fact]
    public void Device_refuses_ext4_formats_when_forced_shows_no_filesystem_and_remove_wipes_it()
    {
        if (!CanUseLoopDevices()) return;
        var image = Image("device.img");
        var device = Check("losetup", "--find", "--show", image).Trim();
        _loops.Add(device);
        Check("mkfs.ext4", "-q", "-F", device);

        var whatIf = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Device $args[1] -Force -WhatIf", _home.Path, device);
        Assert.Empty(whatIf.Output);
        Assert.Contains("TYPE=\"ext4\"", Run("blkid", "-p", device).Output);

        var refused = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Device $args[1] -Confirm:$false", _home.Path, device);
        Assert.Equal($"VaultTargetNotEmpty,{New}", Assert.Single(refused.Errors).FullyQualifiedErrorId);
        Assert.Contains("TYPE=\"ext4\"", Run("blkid", "-p", device).Output); // intact

        var created = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Device $args[1] -Force -Confirm:$false", _home.Path, device);
        Assert.Empty(created.Errors);
        var partition = Assert.Single(created.Output);
        Assert.Equal("Device", partition.Str("Kind"));
        Assert.Equal(device, partition.Str("Location"));
        Assert.Equal("Healthy", partition.Str("Health"));
        Assert.True(partition.Prop<long>("Size") > ImageSize * 8 / 10, $"size {partition.Prop<long>("Size")}");
        AssertNoFilesystem(device);

        var listed = Assert.Single(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
        Assert.Equal(partition.Str("Id"), listed.Str("Id"));

        var removed = _ps.Run("Get-HiddenStoragePartition -NodePath $args[0] | Remove-HiddenStoragePartition -NodePath $args[0] -Confirm:$false", _home.Path);
        Assert.Empty(removed.Errors);
        Assert.Empty(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
        AssertNoFilesystem(device);
        Assert.False(File.ReadAllBytes(image).AsSpan().IndexOf("PSVAULT"u8) >= 0, "a superblock survives the removal");
    }

    [Fact]
    public void Disk_adds_a_hidden_gpt_partition_to_an_image_listed_and_deleted_on_remove()
    {
        if (!CanUseLoopDevices() || !File.Exists("/usr/sbin/sgdisk") && !File.Exists("/sbin/sgdisk")) return;
        var image = Image("disk.img");

        var whatIf = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Disk $args[1] -Size 48MB -WhatIf", _home.Path, image);
        Assert.Empty(whatIf.Output);
        Assert.DoesNotContain("PTTYPE", Run("blkid", "-p", image).Output);

        var created = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Disk $args[1] -Size 48MB -Confirm:$false", _home.Path, image);
        Assert.Empty(created.Errors);
        var partition = Assert.Single(created.Output);
        Assert.Equal("GptPartition", partition.Str("Kind"));
        Assert.Equal("Healthy", partition.Str("Health"));
        var guid = partition.Str("Location").Split("#PARTUUID=")[1];

        Assert.Contains("48.0 MiB", Check("sgdisk", "--print", image));
        var info = Check("sgdisk", "--info", "1", image);
        Assert.Contains("Partition GUID code: 36D8FA44-CA91-4E38-8F5F-7CDEA54233B5", info);
        Assert.Contains("Partition unique GUID: " + guid.ToUpperInvariant(), info);
        Assert.Contains("Attribute flags: C000000000000001", info);
        Assert.Contains("Partition name: 'PeerStorage vault'", info);
        var attributes = Check("sgdisk", "--attributes", "1:show", image);
        foreach (var bit in new[] { "1:0:1", "1:62:1", "1:63:1" }) Assert.Contains(bit, attributes);

        // The partition as the kernel sees it: no filesystem for anyone to mount.
        var disk = Check("losetup", "--find", "--show", "--partscan", "--read-only", image).Trim();
        _loops.Add(disk);
        var node = disk + "p1";
        for (var i = 0; i < 25 && !File.Exists(node); i++) Thread.Sleep(20);
        if (!File.Exists(node)) Run("partx", "--add", disk); // a kernel that scans no partition tables itself
        for (var i = 0; i < 100 && !File.Exists(node); i++) Thread.Sleep(20);
        AssertNoFilesystem(node);
        Run("losetup", "--detach", disk);
        _loops.Remove(disk);

        var listed = Assert.Single(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
        Assert.Equal(partition.Str("Id"), listed.Str("Id"));
        Assert.Equal("Healthy", listed.Str("Health"));

        var removed = _ps.Run("Remove-HiddenStoragePartition -NodePath $args[0] -Id $args[1] -Confirm:$false", _home.Path, partition.Str("Id"));
        Assert.Empty(removed.Errors);
        Assert.Empty(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
        Assert.DoesNotContain("PeerStorage vault", Check("sgdisk", "--print", image));
        Assert.False(File.ReadAllBytes(image).AsSpan().IndexOf("PSVAULT"u8) >= 0, "a superblock survives the removal");
    }

    [Fact]
    public void A_mounted_device_is_refused_even_with_force()
    {
        if (!CanUseLoopDevices()) return;
        var device = Check("losetup", "--find", "--show", Image("mounted.img")).Trim();
        _loops.Add(device);
        Check("mkfs.ext4", "-q", "-F", device);
        var point = Path.Combine(_images, "mnt");
        Directory.CreateDirectory(point);
        Check("mount", device, point);
        try
        {
            var result = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Device $args[1] -Force -Confirm:$false", _home.Path, device);
            Assert.Equal($"DeviceMounted,{New}", Assert.Single(result.Errors).FullyQualifiedErrorId);
        }
        finally
        {
            Run("umount", point);
        }
        Assert.Contains("TYPE=\"ext4\"", Run("blkid", "-p", device).Output);
    }

    private string Image(string name)
    {
        var image = Path.Combine(_images, name);
        using (var file = File.Create(image)) file.SetLength(ImageSize);
        return image;
    }

    private static void AssertNoFilesystem(string device)
    {
        var (code, output) = Run("blkid", "-p", device);
        Assert.True(code == 2 || !output.Contains(" TYPE=", StringComparison.Ordinal) && !output.Contains("USAGE=", StringComparison.Ordinal),
            $"blkid recognized something on {device}: {output}");
        if (File.Exists("/usr/bin/file"))
        {
            var described = Check("file", "-s", device);
            Assert.DoesNotContain("filesystem", described, StringComparison.OrdinalIgnoreCase);
            Assert.Contains(": data", described);
        }
    }

    private static bool CanUseLoopDevices() =>
        OperatingSystem.IsLinux() && Environment.UserName == "root"
        && new[] { "losetup", "blkid", "mkfs.ext4" }.All(t => File.Exists("/usr/sbin/" + t) || File.Exists("/sbin/" + t));

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
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

    private static string Check(string file, params string[] arguments)
    {
        var (code, output) = Run(file, arguments);
        Assert.True(code == 0, $"{file} {string.Join(' ', arguments)} failed ({code}): {output}");
        return output;
    }
}
