using PeerStorage.Core.Multicast;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>Blocks from a staging file (a receiver that became the announcer sends what it downloaded).</summary>
internal sealed class StagedBlocks(ImageStaging staging) : IImageBlocks
{
    public int ReadBlock(int block, Span<byte> destination) => staging.ReadBlock(block, destination);
}

/// <summary>Blocks straight from an image file or device that matches a manifest (Send-DiskImageMulticast -Path).</summary>
internal sealed class ImageFileBlocks : IImageBlocks, IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly ImageManifest _manifest;

    public ImageFileBlocks(string path, ImageManifest manifest)
    {
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.RandomAccess);
        _manifest = manifest;
    }

    public int ReadBlock(int block, Span<byte> destination)
    {
        var length = _manifest.BlockLength(block);
        var offset = _manifest.BlockOffset(block);
        var done = 0;
        while (done < length)
        {
            var n = RandomAccess.Read(_file, destination.Slice(done, length - done), offset + done);
            if (n == 0) throw new IOException($"The image ended at {offset + done} bytes; its manifest says {_manifest.Size}.");
            done += n;
        }
        return length;
    }

    public void Dispose() => _file.Dispose();
}
