using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using PeerStorage.Core.Multicast;

namespace PeerStorage.Core.Tests.Imaging;

public sealed class ImageManifestTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public ImageManifestTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    [Fact]
    public async Task GeometryAndLeavesFollowTheBlocks()
    {
        var (_, bytes, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 200_000, 65536);
        Assert.Equal(200_000, manifest.Size);
        Assert.Equal(4, manifest.BlockCount);
        Assert.Equal(200_000 - 3 * 65536, manifest.BlockLength(3));
        Assert.Equal(3L * 65536, manifest.BlockOffset(3));
        Assert.Equal(512, manifest.SectorSize);
        Assert.Equal(200_000, manifest.MinimumCapacity);
        for (var block = 0; block < 4; block++)
        {
            Assert.Equal(MerkleTree.ComputeLeaf(ImageFiles.Block(bytes, manifest, block)), manifest.Leaves[block].ToArray());
            Assert.True(manifest.VerifyBlock(block, ImageFiles.Block(bytes, manifest, block)));
        }
        Assert.Equal(Convert.ToHexStringLower(MerkleTree.ComputeRoot(manifest.Leaves.Select(l => l.ToArray()).ToArray())), manifest.MerkleRoot);
    }

    [Fact]
    public async Task VerifyBlockRefusesWrongBytesLengthsAndBlocks()
    {
        var (_, bytes, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 100_000, 4096);
        var block = ImageFiles.Block(bytes, manifest, 2).ToArray();
        block[100] ^= 1;
        Assert.False(manifest.VerifyBlock(2, block));
        Assert.False(manifest.VerifyBlock(2, ImageFiles.Block(bytes, manifest, 2)[..^1]));
        Assert.False(manifest.VerifyBlock(3, ImageFiles.Block(bytes, manifest, 2)));
        Assert.False(manifest.VerifyBlock(-1, ImageFiles.Block(bytes, manifest, 2)));
        Assert.False(manifest.VerifyBlock(manifest.BlockCount, ImageFiles.Block(bytes, manifest, 2)));
    }

    [Fact]
    public async Task HashIsWhatSha256sumPrints()
    {
        var (path, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 5_000_000 + 17, 65536);
        var start = new ProcessStartInfo("sha256sum", [path]) { RedirectStandardOutput = true };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.Equal(0, process.ExitCode);
        Assert.Equal(output.Split(' ')[0], manifest.Hash);
    }

    [Fact]
    public async Task ProgressCountsEveryByteHashed()
    {
        var path = _temp.Combine("image.img");
        await File.WriteAllBytesAsync(path, new byte[9_000_000]);
        var progress = new ImageFiles.Recorder();
        await ImageManifest.CreateAsync(path, bytesHashed: progress);
        Assert.Equal(9_000_000, progress.Last);
    }

    [Fact]
    public async Task SaveAndLoadRoundTrip()
    {
        var path = _temp.Combine("image.img");
        await File.WriteAllBytesAsync(path, Tests.Vault.VaultDataTests.Random(300_001, 3));
        var manifest = await ImageManifest.CreateAsync(path, blockSize: 4096, sectorSize: 4096, minimumCapacity: 1_000_000);
        manifest.Save(path + ImageManifest.ManifestSuffix);
        var loaded = ImageManifest.Load(path + ImageManifest.ManifestSuffix);
        Assert.Equal((manifest.Hash, manifest.Size, manifest.BlockSize, manifest.SectorSize, manifest.MinimumCapacity, manifest.MerkleRoot, manifest.BlockCount),
            (loaded.Hash, loaded.Size, loaded.BlockSize, loaded.SectorSize, loaded.MinimumCapacity, loaded.MerkleRoot, loaded.BlockCount));
        Assert.True(manifest.LeafHashes.SequenceEqual(loaded.LeafHashes));

        var json = JsonNode.Parse(File.ReadAllText(path + ImageManifest.ManifestSuffix))!.AsObject();
        Assert.Equal(["formatVersion", "hash", "size", "blockSize", "blockCount", "sectorSize", "minimumCapacity", "merkleRoot", "leaves"], json.Select(p => p.Key));
        Assert.Equal(manifest.BlockCount * 32, Convert.FromBase64String((string)json["leaves"]!).Length);
    }

    [Fact]
    public void LoadingAMissingFileSaysSo() =>
        Assert.Equal(ImageManifestException.NotFound, Assert.Throws<ImageManifestException>(() => ImageManifest.Load(_temp.Combine("none.json"))).ErrorId);

    public static TheoryData<string, string> Corruptions => new()
    {
        { "not json", ImageManifestException.Invalid },
        { "formatVersion missing", ImageManifestException.Invalid },
        { "formatVersion 2", ImageManifestException.VersionUnsupported },
        { "hash short", ImageManifestException.Invalid },
        { "hash not hex", ImageManifestException.Invalid },
        { "size 0", ImageManifestException.Invalid },
        { "size negative", ImageManifestException.Invalid },
        { "size missing", ImageManifestException.Invalid },
        { "blockSize 0", ImageManifestException.Invalid },
        { "blockSize huge", ImageManifestException.Invalid },
        { "sectorSize 1000", ImageManifestException.Invalid },
        { "sectorSize 256", ImageManifestException.Invalid },
        { "sectorSize 8192", ImageManifestException.Invalid },
        { "minimumCapacity below size", ImageManifestException.Invalid },
        { "merkleRoot not hex", ImageManifestException.Invalid },
        { "leaves not base64", ImageManifestException.Invalid },
        { "leaves missing", ImageManifestException.Invalid },
        { "blockCount wrong", ImageManifestException.LeavesMismatch },
        { "size needs another block", ImageManifestException.LeavesMismatch },
        { "one leaf short", ImageManifestException.LeavesMismatch },
        { "a leaf flipped", ImageManifestException.RootMismatch },
        { "merkleRoot of another image", ImageManifestException.RootMismatch },
    };

    [Theory]
    [MemberData(nameof(Corruptions))]
    public async Task CorruptManifestsAreRejectedWithTheirErrorId(string corruption, string errorId)
    {
        var (_, _, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), 40_000, 4096);
        var json = JsonNode.Parse(manifest.ToJson())!.AsObject();
        var leaves = Convert.FromBase64String((string)json["leaves"]!);
        byte[]? raw = null;
        switch (corruption)
        {
            case "not json": raw = Encoding.UTF8.GetBytes("{ \"formatVersion\": 1, "); break;
            case "formatVersion missing": json.Remove("formatVersion"); break;
            case "formatVersion 2": json["formatVersion"] = 2; break;
            case "hash short": json["hash"] = manifest.Hash[..62]; break;
            case "hash not hex": json["hash"] = "zz" + manifest.Hash[2..]; break;
            case "size 0": json["size"] = 0; break;
            case "size negative": json["size"] = -40_000; break;
            case "size missing": json.Remove("size"); break;
            case "blockSize 0": json["blockSize"] = 0; break;
            case "blockSize huge": json["blockSize"] = int.MaxValue; break;
            case "sectorSize 1000": json["sectorSize"] = 1000; break;
            case "sectorSize 256": json["sectorSize"] = 256; break;
            case "sectorSize 8192": json["sectorSize"] = 8192; break;
            case "minimumCapacity below size": json["minimumCapacity"] = 39_999; break;
            case "merkleRoot not hex": json["merkleRoot"] = "0x" + manifest.MerkleRoot[2..]; break;
            case "leaves not base64": json["leaves"] = "%%%"; break;
            case "leaves missing": json.Remove("leaves"); break;
            case "blockCount wrong": json["blockCount"] = manifest.BlockCount + 1; break;
            case "size needs another block": json["size"] = manifest.Size + 4096; json.Remove("blockCount"); json["minimumCapacity"] = manifest.Size + 4096; break;
            case "one leaf short": json["leaves"] = Convert.ToBase64String(leaves[..^32]); break;
            case "a leaf flipped": leaves[40] ^= 0x80; json["leaves"] = Convert.ToBase64String(leaves); break;
            case "merkleRoot of another image": json["merkleRoot"] = new string('a', 64); break;
            default: throw new ArgumentException(corruption);
        }
        var thrown = Assert.Throws<ImageManifestException>(() => ImageManifest.Parse(raw ?? Encoding.UTF8.GetBytes(json.ToJsonString())));
        Assert.Equal(errorId, thrown.ErrorId);
        Assert.False(string.IsNullOrWhiteSpace(thrown.Message));
    }

    [Fact]
    public void TheManifestSitsBesideTheImageUrl()
    {
        Assert.Equal("http://server/images/win11.img.manifest.json", ImageManifest.ManifestUriFor(new Uri("http://server/images/win11.img")).AbsoluteUri);
        Assert.Equal("https://server:8443/a%20b.img.manifest.json?token=1",
            ImageManifest.ManifestUriFor(new Uri("https://server:8443/a%20b.img?token=1")).AbsoluteUri);
    }
}
