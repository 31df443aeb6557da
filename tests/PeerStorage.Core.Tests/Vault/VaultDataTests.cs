using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

public sealed class VaultDataTests : IDisposable
{
    private const long Size = 32 * 1024 * 1024;
    private readonly TempDirectory _temp = new();
    private readonly string _path;

    public VaultDataTests()
    {
        Directory.CreateDirectory(_temp.Path);
        _path = _temp.Combine("vault.bin");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void WrittenBytesReadBackExactlyAfterReopen()
    {
        var data = Random(300_000, seed: 1);
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            var region = vault.Allocate("lease-1", 400_000);
            id = region.Id;
            Assert.Equal("lease-1", region.OwnerId);
            Assert.Equal(7 * VaultStore.ExtentSize, region.AllocatedBytes);
            Assert.Equal(region.AllocatedBytes, vault.Used);
            vault.Write(region, 1234, data);
            Assert.Equal(data, ReadBack(vault, region, 1234, data.Length));
        }
        using var reopened = VaultStore.Open(_path);
        var again = reopened.GetRegion(id);
        Assert.Equal(data, ReadBack(reopened, again, 1234, data.Length));
        Assert.Equal(new byte[1234], ReadBack(reopened, again, 0, 1234)); // never written: zeros
        var check = reopened.Check();
        Assert.True(check.IsHealthy, check.ToString());
        Assert.True(check.BlocksVerified >= data.Length / 4096);
    }

    [Fact]
    public void UnalignedOverwritesKeepNeighbouringBytes()
    {
        using var vault = VaultStore.Format(_path, Size);
        var region = vault.Allocate("o", 20_000);
        var expected = Random(20_000, seed: 2);
        vault.Write(region, 0, expected);
        var rng = new Random(3);
        for (var i = 0; i < 200; i++)
        {
            var offset = rng.Next(0, 19_000);
            var patch = Random(rng.Next(1, 20_000 - offset), seed: i + 10);
            vault.Write(region, offset, patch);
            patch.CopyTo(expected, offset);
        }
        Assert.Equal(expected, ReadBack(vault, region, 0, expected.Length));
        Assert.True(vault.Check().IsHealthy);
    }

    [Fact]
    public void FreeZeroesTheRawExtentsAndReleasesThem()
    {
        var data = Random(200_000, seed: 4);
        long[] extentOffsets;
        using (var vault = VaultStore.Format(_path, Size))
        {
            var region = vault.Allocate("o", data.Length);
            vault.Write(region, 0, data);
            extentOffsets = region.Extents.SelectMany(r => Enumerable.Range(0, r.Count).Select(i => vault.Geometry.ExtentOffset(r.Start + i))).ToArray();
            Assert.Equal(data.AsSpan(0, 64).ToArray(), RawExtents(extentOffsets)[0][..64]); // the data really is there, in the clear
            vault.Free(region);
            Assert.Equal(0, vault.Used);
            Assert.Empty(vault.Regions);
            Assert.Equal("VaultRegionNotFound", Assert.Throws<PeerStorageException>(() => vault.Read(region, 0, new byte[1])).ErrorId);
            Assert.True(vault.Check().IsHealthy);
        }
        Assert.All(RawExtents(extentOffsets), extent => Assert.True(extent.All(b => b == 0), "a freed extent still holds data"));
        Assert.False(ContainsSequence(File.ReadAllBytes(_path), data.AsSpan(1000, 64)), "the data survives somewhere in the container");
    }

    [Fact]
    public void WipeZeroesButKeepsTheRegion()
    {
        using var vault = VaultStore.Format(_path, Size);
        var region = vault.Allocate("o", 100_000);
        vault.Write(region, 0, Random(100_000, seed: 5));
        vault.Wipe(region);
        Assert.Equal(new byte[100_000], ReadBack(vault, region, 0, 100_000));
        Assert.Single(vault.Regions);
        vault.Write(region, 10, new byte[] { 9 });
        Assert.Equal(9, ReadBack(vault, region, 10, 1)[0]);
        Assert.True(vault.Check().IsHealthy);
    }

    [Fact]
    public void FlippedDataByteIsDetectedOnReadAndByCheck()
    {
        var data = Random(50_000, seed: 6);
        Guid id;
        long blockOffset;
        using (var vault = VaultStore.Format(_path, Size))
        {
            var region = vault.Allocate("o", data.Length);
            vault.Write(region, 0, data);
            id = region.Id;
            blockOffset = vault.Geometry.BlockOffset(region.PhysicalBlock(3));
        }
        VaultFormatTests.FlipByte(_path, blockOffset + 17);
        using var reopened = VaultStore.Open(_path);
        var region2 = reopened.GetRegion(id);
        var error = Assert.Throws<PeerStorageException>(() => reopened.Read(region2, 0, new byte[data.Length]));
        Assert.Equal("VaultDataCorrupt", error.ErrorId);
        Assert.Equal(PeerErrorKind.InvalidData, error.Kind);
        Assert.Equal(data.AsSpan(0, 4096).ToArray(), ReadBack(reopened, region2, 0, 4096)); // the other blocks still read
        var check = reopened.Check();
        Assert.False(check.IsHealthy);
        Assert.Contains(check.Problems, p => p.Contains("fails its checksum"));
    }

    [Fact]
    public void FullVaultAndOutOfRangeAreRefused()
    {
        using var vault = VaultStore.Format(_path, Size);
        Assert.Equal("VaultFull", Assert.Throws<PeerStorageException>(() => vault.Allocate("o", vault.Size + 1)).ErrorId);
        var all = vault.Allocate("o", vault.Size);
        Assert.Equal(0, vault.Available);
        Assert.Equal("VaultRangeInvalid", Assert.Throws<PeerStorageException>(() => vault.Write(all, vault.Size - 1, new byte[2])).ErrorId);
        Assert.Equal("VaultInvalidArgument", Assert.Throws<PeerStorageException>(() => vault.Allocate("o", 0)).ErrorId);
        vault.Free(all);
        Assert.Equal(vault.Size, vault.Available);
    }

    [Fact]
    public void ManyRegionsSurviveJournalWrapAndReopen()
    {
        var expected = new Dictionary<Guid, byte[]>();
        using (var vault = VaultStore.Format(_path, Size))
        {
            for (var i = 0; i < 120; i++)
            {
                var region = vault.Allocate($"owner-{i % 7}", 5000 + i);
                var data = Random(5000 + i, seed: 100 + i);
                for (var offset = 0; offset < data.Length; offset += 1000)
                    vault.Write(region, offset, data.AsSpan(offset, Math.Min(1000, data.Length - offset)));
                expected[region.Id] = data;
                if (i % 5 == 0) { vault.Free(region); expected.Remove(region.Id); }
            }
        }
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(expected.Count, reopened.Regions.Count);
        foreach (var (id, data) in expected) Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    internal static byte[] Random(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    private static byte[] ReadBack(VaultStore vault, VaultRegion region, long offset, int length)
    {
        var buffer = new byte[length];
        vault.Read(region, offset, buffer);
        return buffer;
    }

    private List<byte[]> RawExtents(long[] offsets)
    {
        using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        return offsets.Select(o =>
        {
            var extent = new byte[VaultStore.ExtentSize];
            stream.Position = o;
            stream.ReadExactly(extent);
            return extent;
        }).ToList();
    }

    private static bool ContainsSequence(byte[] haystack, ReadOnlySpan<byte> needle) => haystack.AsSpan().IndexOf(needle) >= 0;
}
