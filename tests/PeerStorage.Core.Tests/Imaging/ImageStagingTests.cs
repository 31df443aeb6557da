using PeerStorage.Core.Multicast;

namespace PeerStorage.Core.Tests.Imaging;

public sealed class ImageStagingTests : IDisposable
{
    private const int BlockSize = 4096;
    private readonly TempDirectory _temp = new();

    public ImageStagingTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private string StagingPath => _temp.Combine("staging.img");

    private Task<(string Path, byte[] Bytes, ImageManifest Manifest)> ImageAsync(int length = 200 * BlockSize + 123, int seed = 1) =>
        ImageFiles.CreateAsync(_temp.Combine($"image-{seed}.img"), length, BlockSize, seed);

    private static void Store(ImageStaging staging, byte[] image, params IEnumerable<int> blocks)
    {
        foreach (var block in blocks) Assert.True(staging.TryStoreBlock(block, ImageFiles.Block(image, staging.Manifest, block)));
    }

    [Fact]
    public async Task BlocksInAnyOrderMakeTheImage()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        Assert.Equal(manifest.Size, new FileInfo(StagingPath).Length);
        Assert.Equal([(0, manifest.BlockCount)], staging.MissingRuns());
        Store(staging, bytes, Enumerable.Range(0, manifest.BlockCount).Reverse());
        Assert.True(staging.IsComplete);
        Assert.Equal(manifest.Size, staging.VerifiedBytes);
        Assert.Empty(staging.MissingRuns());
        Assert.True(await staging.VerifyImageAsync());

        var block = new byte[BlockSize];
        Assert.Equal(123, staging.ReadBlock(manifest.BlockCount - 1, block));
        Assert.Equal(ImageFiles.Block(bytes, manifest, manifest.BlockCount - 1).ToArray(), block[..123]);
        staging.Dispose();
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
    }

    [Fact]
    public async Task AWrongBlockIsRefusedAndNothingWritten()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            var forged = ImageFiles.Block(bytes, manifest, 5).ToArray();
            forged[0] ^= 1;
            Assert.False(staging.TryStoreBlock(5, forged));
            Assert.False(staging.TryStoreBlock(6, ImageFiles.Block(bytes, manifest, 5))); // right bytes, wrong place
            Assert.False(staging.TryStoreBlock(5, ImageFiles.Block(bytes, manifest, 5)[..100]));
            Assert.False(staging.TryStoreBlock(manifest.BlockCount, ImageFiles.Block(bytes, manifest, 5)));
            Assert.Equal(0, staging.VerifiedCount);
            Assert.False(staging.Has(5));
            Assert.False(staging.HasUnsavedChanges);
            Assert.Throws<InvalidOperationException>(() => staging.ReadBlock(5, new byte[BlockSize]));
        }
        Assert.All(await File.ReadAllBytesAsync(StagingPath), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task StoringABlockAgainChangesNothing()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        Store(staging, bytes, 3, 3, 3);
        Assert.Equal(1, staging.VerifiedCount);
        Assert.Equal(BlockSize, staging.VerifiedBytes);
        var forged = ImageFiles.Block(bytes, manifest, 3).ToArray();
        forged[7] ^= 1;
        Assert.False(staging.TryStoreBlock(3, forged)); // a stored block does not make wrong bytes right
    }

    [Fact]
    public async Task MissingRunsSkipWholeWordsAndEndAtTheLastBlock()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        Store(staging, bytes, Enumerable.Range(0, 130).Where(b => b != 70));
        Assert.Equal([(70, 1), (130, manifest.BlockCount - 130)], staging.MissingRuns());
    }

    [Fact]
    public async Task ReopeningAfterDisposeResumes()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            Store(staging, bytes, 0, 1, 2, 100, manifest.BlockCount - 1);
            Assert.True(staging.HasUnsavedChanges);
        }
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            Assert.Equal(5, staging.VerifiedCount);
            Assert.Equal(4L * BlockSize + 123, staging.VerifiedBytes);
            Assert.False(staging.HasUnsavedChanges);
            Assert.Equal([(3, 97), (101, manifest.BlockCount - 102)], staging.MissingRuns());
            Store(staging, bytes, staging.MissingRuns().SelectMany(r => Enumerable.Range(r.FirstBlock, r.Count)));
            Assert.True(await staging.VerifyImageAsync());
        }
    }

    [Fact]
    public async Task ACrashBeforeTheCheckpointLosesOnlyUnrecordedBlocks()
    {
        var (_, bytes, manifest) = await ImageAsync();
        var staging = ImageStaging.Open(StagingPath, manifest);
        Store(staging, bytes, 0, 1);
        staging.Checkpoint();
        Assert.False(staging.HasUnsavedChanges);
        Store(staging, bytes, 2, 3); // written to the file, but no map records them
        staging.CloseWithoutCheckpoint();

        using var reopened = ImageStaging.Open(StagingPath, manifest);
        Assert.Equal(2, reopened.VerifiedCount);
        Assert.True(reopened.Has(1));
        Assert.False(reopened.Has(2));
        Assert.False(reopened.Has(3));
    }

    [Fact]
    public async Task ACrashBeforeAnyCheckpointTrustsNothing()
    {
        var (_, bytes, manifest) = await ImageAsync();
        var staging = ImageStaging.Open(StagingPath, manifest);
        Store(staging, bytes, Enumerable.Range(0, 50));
        staging.CloseWithoutCheckpoint();
        Assert.False(File.Exists(StagingPath + ImageStaging.MapSuffix));
        using var reopened = ImageStaging.Open(StagingPath, manifest);
        Assert.Equal(0, reopened.VerifiedCount);
    }

    [Fact]
    public async Task AMapForAnotherImageIsDiscarded()
    {
        var (_, bytes, manifest) = await ImageAsync(seed: 1);
        var (_, _, other) = await ImageAsync(seed: 2); // same size and geometry, other bytes
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Store(staging, bytes, 0, 1, 2);
        using (var staging = ImageStaging.Open(StagingPath, other)) Assert.Equal(0, staging.VerifiedCount);
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(0, staging.VerifiedCount); // gone for good
    }

    [Fact]
    public async Task ADamagedMapIsDiscarded()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Store(staging, bytes, 0, 1, 2);
        var map = await File.ReadAllBytesAsync(StagingPath + ImageStaging.MapSuffix);
        map[^12] ^= 0x10; // a bit in the bitmap: the checksum catches it
        await File.WriteAllBytesAsync(StagingPath + ImageStaging.MapSuffix, map);
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(0, staging.VerifiedCount);

        using (var staging = ImageStaging.Open(StagingPath, manifest)) Store(staging, bytes, 0, 1, 2);
        await File.WriteAllBytesAsync(StagingPath + ImageStaging.MapSuffix, map[..^1]); // torn
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(0, staging.VerifiedCount);
    }

    [Fact]
    public async Task AMapWithoutItsDataFileIsDiscarded()
    {
        var (_, bytes, manifest) = await ImageAsync();
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Store(staging, bytes, 0, 1, 2);
        File.Delete(StagingPath);
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(0, staging.VerifiedCount);

        using (var staging = ImageStaging.Open(StagingPath, manifest)) Store(staging, bytes, 0, 1, 2);
        using (var file = File.OpenWrite(StagingPath)) file.SetLength(BlockSize);
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(0, staging.VerifiedCount);
    }

    [Fact]
    public async Task ASecondOpenerIsRefused()
    {
        var (_, _, manifest) = await ImageAsync();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        Assert.Equal("StagingInUse", Assert.Throws<PeerStorageException>(() => ImageStaging.Open(StagingPath, manifest)).ErrorId);
    }

    [Fact]
    public async Task ConcurrentStoresAndCheckpointsKeepEveryBlock()
    {
        var (_, bytes, manifest) = await ImageAsync(length: 2000 * BlockSize - 1);
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            using var stop = new CancellationTokenSource();
            var checkpoints = Task.Run(() => { while (!stop.IsCancellationRequested) staging.Checkpoint(); });
            // Every block twice, from many threads at once, in a shuffled order.
            var order = Enumerable.Range(0, manifest.BlockCount).Concat(Enumerable.Range(0, manifest.BlockCount)).OrderBy(b => (b * 7919) % 2003).ToArray();
            Parallel.ForEach(order, new ParallelOptions { MaxDegreeOfParallelism = 8 },
                block => Assert.True(staging.TryStoreBlock(block, ImageFiles.Block(bytes, manifest, block))));
            await stop.CancelAsync();
            await checkpoints;
            Assert.Equal(manifest.BlockCount, staging.VerifiedCount);
            Assert.Equal(manifest.Size, staging.VerifiedBytes);
        }
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            Assert.True(staging.IsComplete);
            Assert.True(await staging.VerifyImageAsync());
        }
    }
}
