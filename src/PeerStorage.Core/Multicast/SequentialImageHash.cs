using System.Security.Cryptography;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// The SHA-256 of the whole image, computed while it arrives: blocks are hashed in order as soon as the run of stored
/// blocks from the start reaches them (a block stored out of order is read back from the staging file, usually still
/// in the page cache, when the gap before it closes). When the last block is in, the image's hash is known without
/// the full read-and-hash pass after the transfer that would otherwise delay writing the target.
/// Not thread-safe: one thread at a time (the receiver's completion thread, then the caller at the end).
/// </summary>
internal sealed class SequentialImageHash(ImageStaging staging) : IDisposable
{
    private readonly IncrementalHash _sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _buffer = new byte[staging.Manifest.BlockSize];
    private int _next;

    /// <summary>Blocks hashed so far, from the start.</summary>
    public int HashedBlocks => _next;

    /// <summary>A block was just stored, with its bytes at hand.</summary>
    public void Stored(int block, ReadOnlySpan<byte> data)
    {
        if (block != _next) return;
        _sha.AppendData(data);
        _next++;
        CatchUp();
    }

    /// <summary>Hashes every stored block that now follows the hashed run.</summary>
    public void CatchUp()
    {
        while (_next < staging.BlockCount && staging.Has(_next))
        {
            var length = staging.ReadBlock(_next, _buffer);
            _sha.AppendData(_buffer.AsSpan(0, length));
            _next++;
        }
    }

    /// <summary>The image's hash (lower-case hex) once every block is hashed, else null.</summary>
    public string? Result()
    {
        CatchUp();
        return _next == staging.BlockCount ? Convert.ToHexStringLower(_sha.GetCurrentHash()) : null;
    }

    public void Dispose() => _sha.Dispose();
}
