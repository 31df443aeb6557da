using PeerStorage.Core.Vault;

namespace PeerStorage.Core.Tests.Vault;

public sealed class VaultWriterTests : IDisposable
{
    private const long Size = 32 * 1024 * 1024;
    private readonly TempDirectory _temp = new();
    private readonly string _path;

    public VaultWriterTests()
    {
        Directory.CreateDirectory(_temp.Path);
        _path = _temp.Combine("vault.bin");
    }

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void StreamedChunksOfAnySizeReadBackAfterCommitAndReopen()
    {
        var data = VaultDataTests.Random(3_000_000, seed: 1);
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            vault.BatchBytes = 256 * 1024; // several batches per commit
            var region = vault.Allocate("o", data.Length + 10_000);
            id = region.Id;
            using (var writer = vault.OpenWriter(region))
            {
                var rng = new Random(2);
                for (var position = 0; position < data.Length;)
                {
                    var n = Math.Min(rng.Next(1, 300_000), data.Length - position);
                    writer.Write(data.AsSpan(position, n));
                    position += n;
                    Assert.Equal(position, writer.Position);
                    if (rng.Next(5) == 0) writer.Commit();
                }
                writer.Commit();
                Assert.Equal(data, ReadBack(vault, region, 0, data.Length)); // readable while the writer is open
            }
            Assert.True(vault.Check().IsHealthy);
        }
        using var reopened = VaultStore.Open(_path);
        var again = reopened.GetRegion(id);
        Assert.Equal(data, ReadBack(reopened, again, 0, data.Length));
        Assert.Equal(new byte[10_000], ReadBack(reopened, again, data.Length, 10_000));
        var check = reopened.Check();
        Assert.True(check.IsHealthy, check.ToString());
    }

    [Fact]
    public void EarlyFlushesOnAWorkerWhileAWriterStreamsChangeNothingItReadsBack()
    {
        var data = VaultDataTests.Random(3_000_000, seed: 3);
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            vault.BatchBytes = 256 * 1024;
            vault.EarlyFlushBytes = 512 * 1024; // several early flushes, some still running as the next batch goes out
            var region = vault.Allocate("o", data.Length);
            id = region.Id;
            using (var writer = vault.OpenWriter(region))
            {
                for (var position = 0; position < data.Length; position += 100_000)
                    writer.Write(data.AsSpan(position, Math.Min(100_000, data.Length - position)));
                writer.Commit();
            }
            Assert.True(vault.EarlyFlushes > 0, "the writer's batches started early flushes");
            Assert.Equal(data, ReadBack(vault, region, 0, data.Length));
        } // disposed at once: a flush still in flight must neither fail nor hold the carrier open
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void AWriterOpenedInsideWrittenDataKeepsTheBytesAroundIt()
    {
        using var vault = VaultStore.Format(_path, Size);
        var region = vault.Allocate("o", 200_000);
        var expected = VaultDataTests.Random(200_000, seed: 3);
        vault.Write(region, 0, expected);
        using (var writer = vault.OpenWriter(region, 12_345))
        {
            var patch = VaultDataTests.Random(50_001, seed: 4);
            writer.Write(patch.AsSpan(0, 100));
            writer.Commit(); // leaves a partial block, which the next write completes (an overwrite)
            writer.Write(patch.AsSpan(100));
            patch.CopyTo(expected, 12_345);
        }
        Assert.Equal(expected, ReadBack(vault, region, 0, expected.Length));
        Assert.True(vault.Check().IsHealthy);
    }

    [Fact]
    public void DisposeCommitsAndTheStreamApiWorks()
    {
        var data = VaultDataTests.Random(1_000_000, seed: 5);
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            var region = vault.Allocate("o", data.Length);
            id = region.Id;
            using (var writer = vault.OpenWriter(region))
            {
                Assert.True(writer.CanWrite);
                Assert.False(writer.CanSeek);
                new MemoryStream(data).CopyTo(writer, 77_777);
            }
            vault.Abandon(); // as a crash right after Dispose returned: the commit must already be durable
        }
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void OneWriterPerRegionAndPlainWritesWaitForIt()
    {
        using var vault = VaultStore.Format(_path, Size);
        var region = vault.Allocate("o", 100_000);
        var other = vault.Allocate("p", 100_000);
        using (var writer = vault.OpenWriter(region))
        {
            Assert.Equal("VaultRegionBusy", Assert.Throws<PeerStorageException>(() => vault.OpenWriter(region)).ErrorId);
            Assert.Equal("VaultRegionBusy", Assert.Throws<PeerStorageException>(() => vault.Write(region, 0, new byte[1])).ErrorId);
            vault.Write(other, 0, new byte[] { 1 }); // other regions are not held up
            Assert.Equal("VaultRangeInvalid", Assert.Throws<PeerStorageException>(() => writer.Write(new byte[100_001])).ErrorId);
            writer.Write(new byte[] { 7 });
        }
        vault.Write(region, 1, new byte[] { 8 });
        Assert.Equal(new byte[] { 7, 8 }, ReadBack(vault, region, 0, 2));
    }

    [Fact]
    public void FreeingOrWipingTheRegionStopsItsWriter()
    {
        using var vault = VaultStore.Format(_path, Size);
        var region = vault.Allocate("o", 300_000);
        var writer = vault.OpenWriter(region);
        writer.Write(VaultDataTests.Random(200_000, seed: 6));
        vault.Wipe(region);
        Assert.Equal("VaultRegionWiped", Assert.Throws<PeerStorageException>(() => writer.Write(new byte[1])).ErrorId);
        Assert.Throws<PeerStorageException>(writer.Commit);
        writer.Dispose(); // does not throw: nothing it had was acknowledged
        Assert.Equal(new byte[300_000], ReadBack(vault, region, 0, 300_000));

        var second = vault.OpenWriter(region); // the wipe released the region for a new writer
        second.Write(new byte[5000]);
        vault.Free(region);
        Assert.Equal("VaultRegionNotFound", Assert.Throws<PeerStorageException>(() => second.Write(new byte[1])).ErrorId);
        second.Dispose();
        Assert.True(vault.Check().IsHealthy);
    }

    [Fact]
    public void ManyCommitsWrapTheJournalAndSurviveAnUncleanClose()
    {
        var data = VaultDataTests.Random(6_000_000, seed: 7);
        Guid id;
        using (var vault = VaultStore.Format(_path, 8 * 1024 * 1024)) // a 256 KiB journal: it wraps many times
        {
            var region = vault.Allocate("o", data.Length);
            id = region.Id;
            using (var writer = vault.OpenWriter(region))
                for (var position = 0; position < data.Length; position += 10_000)
                {
                    writer.Write(data.AsSpan(position, Math.Min(10_000, data.Length - position)));
                    writer.Commit();
                }
            vault.Abandon();
        }
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void ACheckpointComesOnceTheJournalNamesEnoughDataSoRecoveryStaysShort()
    {
        var data = VaultDataTests.Random(5_000_000, seed: 8);
        Guid id;
        using (var vault = VaultStore.Format(_path, Size))
        {
            vault.ReplayBytesLimit = 1024 * 1024;
            var region = vault.Allocate("o", data.Length);
            id = region.Id;
            var before = vault.Generation;
            using (var writer = vault.OpenWriter(region))
                for (var position = 0; position < data.Length; position += 500_000)
                {
                    writer.Write(data.AsSpan(position, Math.Min(500_000, data.Length - position)));
                    writer.Commit();
                }
            Assert.True(vault.Generation - before >= 3, $"expected checkpoints every ~1 MiB of data, got {vault.Generation - before}");
            vault.Abandon();
        }
        using var reopened = VaultStore.Open(_path);
        Assert.Equal(data, ReadBack(reopened, reopened.GetRegion(id), 0, data.Length));
        Assert.True(reopened.Check().IsHealthy);
    }

    [Fact]
    public void DiscardedBlocksReadAsZerosAndAStreamIntoThemFlushesOnlyAtCommit()
    {
        var data = VaultDataTests.Random(3_000_000, seed: 9);
        using var vault = VaultStore.Format(_path, Size);
        vault.BatchBytes = 256 * 1024;
        var region = vault.Allocate("o", data.Length);
        vault.Write(region, 0, data);
        const int offset = 10_000, length = 2_000_000;
        vault.Discard(region, offset, length);
        var expected = (byte[])data.Clone();
        var block = VaultGeometry.DataBlockSize;
        var first = (offset + block - 1) / block * block;
        var end = (offset + length) / block * block;
        Array.Clear(expected, first, end - first); // whole blocks only: the edges keep their bytes
        Assert.Equal(expected, ReadBack(vault, region, 0, data.Length));

        var patch = VaultDataTests.Random(length, seed: 10);
        var flushes = 0;
        using (var writer = vault.OpenWriter(region, offset))
        {
            VaultDevice.FaultPoint = kind => { if (kind == "flush") flushes++; };
            try
            {
                for (var position = 0; position < length; position += 300_000) writer.Write(patch.AsSpan(position, Math.Min(300_000, length - position)));
                writer.Commit();
            }
            finally
            {
                VaultDevice.FaultPoint = null;
            }
        }
        // Two partial edge blocks over written data take the record-first rule; everything between is fresh.
        Assert.True(flushes <= 3, $"expected the commit's flush and the edges' only, got {flushes}");
        patch.CopyTo(expected, offset);
        Assert.Equal(expected, ReadBack(vault, region, 0, data.Length));
        Assert.True(vault.Check().IsHealthy);
    }

    private static byte[] ReadBack(VaultStore vault, VaultRegion region, long offset, int length)
    {
        var buffer = new byte[length];
        vault.Read(region, offset, buffer);
        return buffer;
    }
}
