using PeerStorage.Core.Multicast;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Imaging;

public sealed class ImageTargetTests : IDisposable
{
    private const int BlockSize = 65536;
    private readonly TempDirectory _temp = new();
    private readonly List<string> _loopDevices = [];

    public ImageTargetTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose()
    {
        foreach (var device in _loopDevices) LoopDevice.Detach(device);
        _temp.Dispose();
    }

    /// <summary>Loop devices need root and losetup; without them the device tests have nothing to run on.</summary>
    private static bool CanUseLoopDevices => OperatingSystem.IsLinux() && Environment.UserName == "root" && ExternalTool.Find("losetup") is not null;

    /// <summary>A complete staging of a random image.</summary>
    private async Task<(byte[] Bytes, ImageStaging Staging)> StagedImageAsync(int length, string stagingPath)
    {
        var (_, bytes, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), length, BlockSize);
        var staging = ImageStaging.Open(stagingPath, manifest);
        for (var block = 0; block < manifest.BlockCount; block++) Assert.True(staging.TryStoreBlock(block, ImageFiles.Block(bytes, manifest, block)));
        return (bytes, staging);
    }

    /// <summary>A loop device over a new file of <paramref name="size"/> bytes filled with 0xAB, detached on dispose.</summary>
    private string LoopDeviceOf(long size, params string[] losetupOptions)
    {
        var backing = _temp.Combine($"device-{_loopDevices.Count}.img");
        File.WriteAllBytes(backing, Enumerable.Repeat((byte)0xAB, (int)size).ToArray());
        var device = ExternalTool.RunChecked("losetup", ["--find", "--show", .. losetupOptions, backing]).Output.Trim();
        _loopDevices.Add(device);
        return device;
    }

    [Fact]
    public async Task AFileTargetOnTheSameFilesystemIsReplacedByTheStaging()
    {
        var target = _temp.Combine("target.img");
        await File.WriteAllBytesAsync(target, new byte[5_000_000]); // an older, longer file
        var (bytes, staging) = await StagedImageAsync(1_000_003, _temp.Combine("staging.img"));
        using (staging)
        {
            var inspected = ImageTarget.Inspect(target);
            Assert.False(inspected.IsBlockDevice);
            Assert.Equal(5_000_000, inspected.Capacity);
            var progress = new ImageFiles.Recorder();
            await inspected.WriteImageAsync(staging, progress);
            Assert.Equal(2 * staging.Manifest.Size, progress.Last);
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(target));
        Assert.False(File.Exists(_temp.Combine("staging.img")));
        Assert.False(File.Exists(_temp.Combine("staging.img" + ImageStaging.MapSuffix)));
    }

    [Fact]
    public async Task AFileTargetOnAnotherFilesystemIsCopied()
    {
        if (!Directory.Exists("/dev/shm")) return;
        var target = Path.Combine("/dev/shm", "peerstorage-target-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (bytes, staging) = await StagedImageAsync(3_000_000, _temp.Combine("staging.img"));
            using (staging) await ImageTarget.Inspect(target).WriteImageAsync(staging);
            Assert.Equal(bytes, await File.ReadAllBytesAsync(target));
            Assert.True(File.Exists(_temp.Combine("staging.img"))); // a copy leaves the staging to its owner
        }
        finally { File.Delete(target); }
    }

    [Fact]
    public async Task AFileIsNeverTooSmallAndAnAbsentOneHasNoCapacity()
    {
        var (_, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 100_000, BlockSize);
        var target = ImageTarget.Inspect(_temp.Combine("absent.img"));
        Assert.Equal((false, 0L, 512), (target.IsBlockDevice, target.Capacity, target.LogicalSectorSize));
        target.CheckFits(manifest);
    }

    [Fact]
    public async Task AnIncompleteStagingIsNotWritten()
    {
        var (_, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 100_000, BlockSize);
        using var staging = ImageStaging.Open(_temp.Combine("staging.img"), manifest);
        var thrown = await Assert.ThrowsAsync<ImageTargetException>(() => ImageTarget.Inspect(_temp.Combine("target.img")).WriteImageAsync(staging));
        Assert.Equal(ImageTargetException.StagingIncomplete, thrown.ErrorId);
        Assert.False(File.Exists(_temp.Combine("target.img")));
    }

    [Fact]
    public async Task ALoopDeviceTooSmallIsRefused()
    {
        if (!CanUseLoopDevices) return;
        var device = LoopDeviceOf(1024 * 1024);
        var (_, staging) = await StagedImageAsync(2 * 1024 * 1024, _temp.Combine("staging.img"));
        using (staging)
        {
            var target = ImageTarget.Inspect(device);
            Assert.True(target.IsBlockDevice);
            Assert.Equal(1024 * 1024, target.Capacity);
            Assert.Equal(ImageTargetException.TooSmall, Assert.Throws<ImageTargetException>(() => target.CheckFits(staging.Manifest)).ErrorId);
            Assert.Equal(ImageTargetException.TooSmall, (await Assert.ThrowsAsync<ImageTargetException>(() => target.WriteImageAsync(staging))).ErrorId);
        }
        Assert.All(await File.ReadAllBytesAsync(_temp.Combine("device-0.img")), b => Assert.Equal(0xAB, b));
    }

    [Fact]
    public async Task ALoopDeviceBigEnoughIsWrittenAndReadsBackEqual()
    {
        if (!CanUseLoopDevices) return;
        const int deviceSize = 8 * 1024 * 1024;
        var device = LoopDeviceOf(deviceSize);
        var (bytes, staging) = await StagedImageAsync(5 * 1024 * 1024 + 512, _temp.Combine("staging.img"));
        using (staging)
        {
            var target = ImageTarget.Inspect(device);
            Assert.Equal(512, target.LogicalSectorSize);
            await target.WriteImageAsync(staging);
            Assert.True(File.Exists(staging.Path)); // a device is written by copy; the staging stays
        }
        var onDevice = new byte[deviceSize];
        using (var handle = File.OpenHandle(device)) Assert.Equal(deviceSize, RandomAccess.Read(handle, onDevice, 0));
        Assert.Equal(bytes, onDevice[..bytes.Length]);
        Assert.All(onDevice[bytes.Length..], b => Assert.Equal(0xAB, b)); // the rest of the device is left alone

        // A manifest of the device itself: its capacity from sysfs, its hash what its bytes hash to.
        var whole = await ImageManifest.CreateAsync(device);
        Assert.Equal(deviceSize, whole.Size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(onDevice)), whole.Hash);
    }

    [Fact]
    public async Task ALoopDeviceWithOtherSectorsIsRefused()
    {
        if (!CanUseLoopDevices) return;
        var device = LoopDeviceOf(4 * 1024 * 1024, "--sector-size", "4096");
        var (_, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 100_000, BlockSize);
        var target = ImageTarget.Inspect(device);
        Assert.Equal(4096, target.LogicalSectorSize);
        Assert.Equal(ImageTargetException.SectorSizeMismatch, Assert.Throws<ImageTargetException>(() => target.CheckFits(manifest)).ErrorId);
    }

    [Fact]
    public async Task AMountedLoopDeviceIsRefused()
    {
        if (!CanUseLoopDevices || ExternalTool.Find("mkfs.ext4") is null) return;
        var device = LoopDeviceOf(8 * 1024 * 1024);
        ExternalTool.RunChecked("mkfs.ext4", "-q", "-F", device);
        var mountPoint = _temp.Combine("mnt");
        Directory.CreateDirectory(mountPoint);
        ExternalTool.RunChecked("mount", device, mountPoint);
        try
        {
            var (_, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 100_000, BlockSize);
            Assert.Equal(ImageTargetException.Mounted, Assert.Throws<ImageTargetException>(() => ImageTarget.Inspect(device).CheckFits(manifest)).ErrorId);
        }
        finally { ExternalTool.Run("umount", mountPoint); }
    }
}
