using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

/// <summary>
/// Checkpoints write the checksum-table pages that changed, not the whole table, also in the first checkpoint
/// after opening (the active slot's header says which pages the other slot lacks).
/// </summary>
public sealed class VaultCheckpointTests : IDisposable
{
    private const long Size = 1L << 30; // a 2 MiB checksum table per slot
    private readonly TempDirectory _temp = new();
    private readonly string _path;

    public VaultCheckpointTests()
    {
        Directory.CreateDirectory(_temp.Path);
        _path = _temp.Combine("vault.bin");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void CheckpointsAfterReopenWriteOnlyTheChangedPages()
    {
        var expected = new Dictionary<Guid, (long Offset, byte[] Data)>();
        using (var vault = VaultStore.Format(_path, Size))
        {
            var tableBytes = vault.Geometry.ChecksumTableLength;
            Assert.True(tableBytes >= 2 * 1024 * 1024);
            for (var round = 0; round < 6; round++)
            {
                var region = vault.Allocate($"o{round}", 3_000_000);
                var data = VaultDataTests.Random(100_000 + round, seed: round);
                vault.Write(region, 1_000_000, data);
                expected[region.Id] = (1_000_000, data);
                var written = BytesWrittenBy(vault.Checkpoint);
                Assert.True(written < 128 * 1024, $"checkpoint {round} wrote {written} bytes (the table is {tableBytes})");
            }
        }
        for (var reopen = 0; reopen < 4; reopen++)
        {
            using var vault = VaultStore.Open(_path);
            foreach (var (id, (offset, data)) in expected) Assert.Equal(data, ReadBack(vault, vault.GetRegion(id), offset, data.Length));
            Assert.True(vault.Check().IsHealthy);
            var region = vault.Allocate($"r{reopen}", 200_000);
            var more = VaultDataTests.Random(150_000, seed: 100 + reopen);
            vault.Write(region, 7, more);
            expected[region.Id] = (7, more);
            var written = BytesWrittenBy(vault.Checkpoint);
            Assert.True(written < 128 * 1024, $"the first checkpoint after reopen {reopen} wrote {written} bytes");
            vault.Write(region, 7, more.AsSpan(0, 5000)); // a change after it, so Dispose checkpoints into the other slot
        }
        using var last = VaultStore.Open(_path);
        foreach (var (id, (offset, data)) in expected) Assert.Equal(data, ReadBack(last, last.GetRegion(id), offset, data.Length));
        Assert.True(last.Check().IsHealthy);
    }

    [Fact]
    public void ACheckpointCutShortMakesTheNextOneRewriteThatSlotWhole()
    {
        byte[] data;
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            var region = vault.Allocate("o", 1_000_000);
            id = region.Id;
            data = VaultDataTests.Random(1_000_000, seed: 1);
            vault.Write(region, 0, data);
            // Crash after the target slot's first pages are written: its header was broken first.
            var writes = 0;
            VaultDevice.FaultPoint = kind => { if (kind == "write" && ++writes == 3) throw new IOException("crash"); };
            try { Assert.Throws<IOException>(vault.Checkpoint); }
            finally { VaultDevice.FaultPoint = null; }
            vault.Abandon();
        }
        VaultStore? opened = null;
        var written = BytesWrittenBy(() => opened = VaultStore.Open(_path)); // replays, and checkpoints into the broken slot
        using (var vault = opened!)
        {
            Assert.True(written >= vault.Geometry.ChecksumTableLength, $"the damaged slot must be rewritten whole, wrote {written}");
            Assert.Equal(data, ReadBack(vault, vault.GetRegion(id), 0, data.Length));
            vault.Write(vault.GetRegion(id), 0, data.AsSpan(0, 10));
            written = BytesWrittenBy(vault.Checkpoint);
            Assert.True(written < 128 * 1024, $"the next checkpoint needs pages only, wrote {written}");
        }
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    private static long BytesWrittenBy(Action action)
    {
        long bytes = 0;
        VaultDevice.TearWrite = length => { bytes += length; return null; };
        try { action(); }
        finally { VaultDevice.TearWrite = null; }
        return bytes;
    }

    private static byte[] ReadBack(VaultStore vault, VaultRegion region, long offset, int length)
    {
        var buffer = new byte[length];
        vault.Read(region, offset, buffer);
        return buffer;
    }
}
