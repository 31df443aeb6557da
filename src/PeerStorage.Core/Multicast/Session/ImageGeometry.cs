namespace PeerStorage.Core.Multicast.Session;

/// <summary>
/// How an image is cut for the wire: blocks (the manifest's, one Merkle leaf each) of K symbols of SymbolSize bytes;
/// a block's bytes are zero-padded to K * SymbolSize for the erasure code.
/// </summary>
internal sealed class ImageGeometry
{
    /// <summary>1408 + 24 header + 28 IP/UDP = 1460: one datagram per symbol fits a 1500-byte MTU.</summary>
    public const int DefaultSymbolSize = 1408;
    public const int MaxSymbolsPerBlock = 128;

    public ImageGeometry(long size, int blockSize, int symbolSize = DefaultSymbolSize)
    {
        if (size <= 0) throw new ArgumentOutOfRangeException(nameof(size));
        if (symbolSize <= 0 || symbolSize % 16 != 0) throw new ArgumentOutOfRangeException(nameof(symbolSize), "The symbol size must be a positive multiple of 16.");
        var k = (blockSize + symbolSize - 1) / symbolSize;
        if (blockSize <= 0 || k > MaxSymbolsPerBlock)
            throw new ArgumentException($"A block of {blockSize} bytes needs {k} symbols of {symbolSize} bytes; at most {MaxSymbolsPerBlock} fit the erasure code.");
        Size = size;
        BlockSize = blockSize;
        SymbolSize = symbolSize;
        SymbolsPerBlock = k;
        BlockCount = checked((int)((size + blockSize - 1) / blockSize));
    }

    public long Size { get; }
    public int BlockSize { get; }
    public int SymbolSize { get; }
    /// <summary>K: source symbols per block.</summary>
    public int SymbolsPerBlock { get; }
    public int BlockCount { get; }
    /// <summary>Bytes the erasure code works on per block.</summary>
    public int CodedBlockBytes => SymbolsPerBlock * SymbolSize;
    public int PacketLength => Protocol.DataPacket.LengthFor(SymbolSize);
    /// <summary>Repair symbols a block can have before their indices repeat.</summary>
    public int RepairSymbols => 256 - SymbolsPerBlock;

    public long BlockOffset(int block) => (long)block * BlockSize;
    public int BlockLength(int block) => (int)Math.Min(BlockSize, Size - BlockOffset(block));
}
