namespace PeerStorage.Core.Multicast.Session;

/// <summary>Where a sender reads the blocks it multicasts from: a finished staging file or the image itself.</summary>
internal interface IImageBlocks
{
    /// <summary>Reads block <paramref name="block"/> into <paramref name="destination"/>; returns its length.</summary>
    int ReadBlock(int block, Span<byte> destination);
}
