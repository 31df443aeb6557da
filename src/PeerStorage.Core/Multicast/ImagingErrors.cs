using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Session;

namespace PeerStorage.Core.Multicast;

/// <summary>Error ids of the imaging flow that are not the manifest's, the server's or the target's own.</summary>
public static class ImagingErrors
{
    public const string ImageHashMismatch = "ImageHashMismatch";
    public const string BlockSizeUnsupported = "ImageBlockSizeUnsupported";
    public const string ImageFileMismatch = "ImageFileMismatch";
    public const string NotRunning = "DiskImageMulticastNotRunning";

    internal static ImageGeometry GeometryOf(ImageManifest manifest)
    {
        try
        {
            return new ImageGeometry(manifest.Size, manifest.BlockSize);
        }
        catch (ArgumentException e)
        {
            throw new PeerStorageException(BlockSizeUnsupported, PeerErrorKind.InvalidData, $"The image cannot be multicast: {e.Message}", e);
        }
    }
}
