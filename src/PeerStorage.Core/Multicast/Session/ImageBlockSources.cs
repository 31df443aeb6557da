using PeerStorage.Core.Multicast;
using Microsoft.Win32.SafeHandles;

namespace PeerStorage.Core.Multicast.Session;

/// <summary>Blocks from a staging file (a receiver that became the announcer sends what it downloaded).</summary>
internal sealed class StagedBlocks(ImageStaging staging) : IImageBlocks
{
    public int ReadBlock(int block, Span<byte> destination) => staging.ReadBlock(block, destination);
}

/// <summary>
/// Blocks straight from an image file or device (Send-DiskImageMulticast -Path). Each block is checked against the
/// manifest's Merkle leaf the first time it is read, so a file that is not the manifest's image is refused at its first
/// differing block instead of after a full pass of hashing before anything is sent.
/// </summary>
internal sealed class ImageFileBlocks : IImageBlocks, IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly ImageManifest _manifest;
    private readonly bool[] _checked;
    private readonly string _path;

    /// <param name="alreadyChecked">The manifest was just computed from this file: no block needs checking again.</param>
    public ImageFileBlocks(string path, ImageManifest manifest, bool alreadyChecked = false)
    {
        _file = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, FileOptions.RandomAccess);
        _manifest = manifest;
        _path = path;
        _checked = new bool[manifest.BlockCount];
        if (alreadyChecked) Array.Fill(_checked, true);
    }

    public int ReadBlock(int block, Span<byte> destination)
    {
        var length = _manifest.BlockLength(block);
        var offset = _manifest.BlockOffset(block);
        var done = 0;
        while (done < length)
        {
            var n = RandomAccess.Read(_file, destination.Slice(done, length - done), offset + done);
            if (n == 0) throw Mismatch($"it ends at {offset + done} bytes; the manifest says {_manifest.Size}");
            done += n;
        }
        if (!_checked[block])
        {
            if (!_manifest.VerifyBlock(block, destination[..length])) throw Mismatch($"block {block} (at byte {offset}) differs from the manifest's");
            _checked[block] = true;
        }
        return length;
    }

    private PeerStorageException Mismatch(string what) => new(ImagingErrors.ImageFileMismatch, PeerErrorKind.InvalidData,
        $"'{_path}' is not the image its manifest describes ({_manifest.Hash}): {what}. Nothing more is sent.", target: _path);

    public void Dispose() => _file.Dispose();
}
