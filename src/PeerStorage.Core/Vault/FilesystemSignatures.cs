namespace PeerStorage.Core.Vault;

/// <summary>Recognizes filesystems (and other vaults) at their well-known offsets, so formatting never silently destroys one.</summary>
internal static class FilesystemSignatures
{
    private sealed record Signature(string Name, long Offset, byte[] Bytes);

    private static readonly Signature[] Known =
    [
        new("an ext2/3/4 filesystem", 1080, [0x53, 0xEF]),
        new("an XFS filesystem", 0, "XFSB"u8.ToArray()),
        new("an NTFS filesystem", 3, "NTFS    "u8.ToArray()),
        new("an exFAT filesystem", 3, "EXFAT   "u8.ToArray()),
        new("a FAT12/16 filesystem", 54, "FAT1"u8.ToArray()),
        new("a FAT32 filesystem", 82, "FAT32   "u8.ToArray()),
        new("a Btrfs filesystem", 0x10040, "_BHRfS_M"u8.ToArray()),
        new("a LUKS volume", 0, [(byte)'L', (byte)'U', (byte)'K', (byte)'S', 0xBA, 0xBE]),
        new("Linux swap space", 4086, "SWAPSPACE2"u8.ToArray()),
        new("a GPT partition table", 512, "EFI PART"u8.ToArray()),   // LBA 1 with 512-byte sectors
        new("a GPT partition table", 4096, "EFI PART"u8.ToArray()),  // LBA 1 with 4 KiB sectors
        new("a PeerStorage vault", 0, Superblock.Magic.ToArray()),
    ];

    /// <summary>What the first bytes of a carrier hold ("an ext2/3/4 filesystem"), or null when nothing is recognized.</summary>
    public static string? Identify(ReadOnlySpan<byte> head, ReadOnlySpan<byte> lastBlock)
    {
        foreach (var signature in Known)
        {
            var end = signature.Offset + signature.Bytes.Length;
            if (end <= head.Length && head.Slice((int)signature.Offset, signature.Bytes.Length).SequenceEqual(signature.Bytes))
                return signature.Name;
        }
        // A vault whose primary superblock was lost still has its backup at the end.
        return Superblock.HasMagic(lastBlock) ? "a PeerStorage vault" : null;
    }

    public const int HeadLength = 0x10040 + 8;
}
