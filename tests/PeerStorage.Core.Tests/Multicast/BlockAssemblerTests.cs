using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Fec;
using PeerStorage.Core.Multicast.Session;
using PeerStorage.Core.Tests.Imaging;

namespace PeerStorage.Core.Tests.Multicast;

/// <summary>A receiver's assembly of symbols into verified blocks: decoding, the Merkle check, the slot pool.</summary>
public sealed class BlockAssemblerTests : IDisposable
{
    private const int BlockSize = 4096;
    private const int SymbolSize = 512; // K = 8
    private readonly TempDirectory _temp = new();

    public BlockAssemblerTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private async Task<(byte[] Bytes, ImageManifest Manifest, ImageGeometry Geometry)> ImageAsync(int blocks = 40)
    {
        var (_, bytes, manifest) = await ImageFiles.CreateAsync(_temp.Combine("image.img"), blocks * BlockSize - 100, BlockSize);
        return (bytes, manifest, new ImageGeometry(manifest.Size, BlockSize, SymbolSize));
    }

    // The block as the sender codes it: zero-padded to K symbols.
    private static byte[] Coded(byte[] image, ImageManifest manifest, ImageGeometry geometry, int block)
    {
        var coded = new byte[geometry.CodedBlockBytes];
        ImageFiles.Block(image, manifest, block).CopyTo(coded);
        return coded;
    }

    private static ReadOnlySpan<byte> Symbol(byte[] coded, int symbol) => coded.AsSpan(symbol * SymbolSize, SymbolSize);

    private static void WaitFor(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "timed out");
            Thread.Sleep(5);
        }
    }

    [Fact]
    public async Task Blocks_whose_symbols_arrive_interleaved_are_stored_and_hashed_in_order()
    {
        var (bytes, manifest, geometry) = await ImageAsync();
        using var staging = ImageStaging.Open(_temp.Combine("staging"), manifest);
        using var whole = new SequentialImageHash(staging);
        var statistics = new SessionStatistics();
        using (var assembler = new BlockAssembler(geometry, staging, statistics, Serilog.Core.Logger.None, whole, slots: 16))
        {
            // Symbol-major, as the sender's windows go: symbol 0 of every block, then symbol 1, ...
            var coded = Enumerable.Range(0, manifest.BlockCount).Select(b => Coded(bytes, manifest, geometry, b)).ToArray();
            for (var first = 0; first < manifest.BlockCount; first += 8)
                for (var s = 0; s < geometry.SymbolsPerBlock; s++)
                    for (var b = first; b < Math.Min(first + 8, manifest.BlockCount); b++)
                        assembler.Add(b, s, Symbol(coded[b], s));
            // The checks may fall behind the data (16 slots, 8 blocks a window): blocks being fed keep their slots.
            WaitFor(() => staging.IsComplete);
            Assert.Equal(0, assembler.Overruns);
            Assert.Equal(0, assembler.Reclaims);
            Assert.True(assembler.SlotsAllocated <= 16);
        }
        Assert.Equal(manifest.Hash, whole.Result());
        Assert.Equal(manifest.Size, statistics.BytesFromMulticast);
    }

    [Fact]
    public async Task Lost_source_symbols_are_rebuilt_from_repair_symbols()
    {
        var (bytes, manifest, geometry) = await ImageAsync(blocks: 3);
        using var staging = ImageStaging.Open(_temp.Combine("staging"), manifest);
        var code = new CauchyCode(geometry.SymbolsPerBlock, SymbolSize);
        using var assembler = new BlockAssembler(geometry, staging, new SessionStatistics(), Serilog.Core.Logger.None);
        var coded = Coded(bytes, manifest, geometry, 1);
        for (var s = 0; s < geometry.SymbolsPerBlock; s++)
            if (s is not (2 or 5)) assembler.Add(1, s, Symbol(coded, s));
        Assert.Equal(2, assembler.NeedOf(1));
        var repair = new byte[SymbolSize];
        foreach (var r in (int[])[7, 3])
        {
            code.EncodeRepair(coded, r, repair);
            assembler.Add(1, geometry.SymbolsPerBlock + r, repair);
        }
        WaitFor(() => staging.Has(1));
        Assert.Equal(0, assembler.NeedOf(1));
    }

    [Fact]
    public async Task A_forged_symbol_spoils_only_its_block_which_is_asked_for_again()
    {
        var (bytes, manifest, geometry) = await ImageAsync(blocks: 3);
        using var staging = ImageStaging.Open(_temp.Combine("staging"), manifest);
        var statistics = new SessionStatistics();
        using var assembler = new BlockAssembler(geometry, staging, statistics, Serilog.Core.Logger.None);
        var coded = Coded(bytes, manifest, geometry, 0);
        var forged = Symbol(coded, 4).ToArray();
        forged[10] ^= 1;
        for (var s = 0; s < geometry.SymbolsPerBlock; s++) assembler.Add(0, s, s == 4 ? forged : Symbol(coded, s));
        WaitFor(() => statistics.RejectedBlocks == 1 && assembler.NeedOf(0) == geometry.SymbolsPerBlock);
        Assert.False(staging.Has(0));
        for (var s = 0; s < geometry.SymbolsPerBlock; s++) assembler.Add(0, s, Symbol(coded, s));
        WaitFor(() => staging.Has(0));
    }

    [Fact]
    public async Task With_every_slot_partly_filled_the_least_recently_fed_block_gives_its_slot_up()
    {
        var (bytes, manifest, geometry) = await ImageAsync(blocks: 4);
        using var staging = ImageStaging.Open(_temp.Combine("staging"), manifest);
        using var assembler = new BlockAssembler(geometry, staging, new SessionStatistics(), Serilog.Core.Logger.None, slots: 2);
        var coded = Enumerable.Range(0, 4).Select(b => Coded(bytes, manifest, geometry, b)).ToArray();
        assembler.Add(0, 0, Symbol(coded[0], 0));
        assembler.Add(1, 0, Symbol(coded[1], 0));
        assembler.Add(1, 1, Symbol(coded[1], 1));
        assembler.Add(2, 0, Symbol(coded[2], 0)); // block 0 was fed least recently
        Assert.Equal(1, assembler.Reclaims);
        Assert.Equal(geometry.SymbolsPerBlock, assembler.NeedOf(0));
        Assert.Equal(geometry.SymbolsPerBlock - 2, assembler.NeedOf(1));
        Assert.Equal(geometry.SymbolsPerBlock - 1, assembler.NeedOf(2));
        Assert.Equal(2, assembler.SlotsAllocated);
        Assert.Equal(0, assembler.Overruns);
    }
}
