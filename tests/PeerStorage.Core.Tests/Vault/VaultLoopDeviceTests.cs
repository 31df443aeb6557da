using System.Diagnostics;
using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>The same format on a real block device: a loop device over an image file (needs root and losetup; skipped otherwise).</summary>
public sealed class VaultLoopDeviceTests : IDisposable
{
    private const long Size = 32 * 1024 * 1024;
    private readonly TempDirectory _temp = new();

    public VaultLoopDeviceTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void VaultOnLoopDeviceRoundTripsAndShowsNoFilesystem()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root" || !File.Exists("/usr/sbin/losetup") && !File.Exists("/sbin/losetup")) return;
        var image = _temp.Combine("disk.img");
        using (var file = File.Create(image)) file.SetLength(Size);
        var (attached, device) = Run("losetup", "--find", "--show", image);
        Assert.True(attached == 0, "losetup failed: " + device);
        device = device.Trim();
        try
        {
            // A real filesystem on the device is refused, untouched, unless forced.
            var (made, mkfsOutput) = Run("mkfs.ext4", "-q", "-F", device);
            Assert.True(made == 0, "mkfs.ext4 failed: " + mkfsOutput);
            var refused = Assert.Throws<PeerStorageException>(() => VaultStore.Format(device));
            Assert.Equal("VaultTargetNotEmpty", refused.ErrorId);
            Assert.Contains("ext", refused.Message);
            Assert.Equal(0, Run("blkid", "-p", device).ExitCode);

            var data = VaultDataTests.Random(100_000, seed: 42);
            Guid id;
            using (var vault = VaultStore.Format(device, force: true)) // no size: the whole device
            {
                Assert.True(vault.Size > Size * 9 / 10 && vault.Size < Size, $"size {vault.Size}");
                var region = vault.Allocate("loop", data.Length + 3);
                id = region.Id;
                vault.Write(region, 3, data);
            }
            using (var reopened = VaultStore.Open(device))
            {
                var back = new byte[data.Length];
                reopened.Read(reopened.GetRegion(id), 3, back);
                Assert.Equal(data, back);
                Assert.True(reopened.Check().IsHealthy);
            }
            // blkid exits 2 when it finds no known signature: no OS will think it can mount this.
            var (probe, output) = Run("blkid", "-p", device);
            Assert.True(probe == 2, $"blkid recognized something: {output}");
            Assert.Equal("VaultTargetNotEmpty", Assert.Throws<PeerStorageException>(() => VaultStore.Format(device)).ErrorId);
        }
        finally
        {
            Run("losetup", "--detach", device);
        }
    }

    private static (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }
}
