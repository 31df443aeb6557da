using System.Buffers.Binary;
using System.IO.Hashing;

namespace PeerStorage.Core.Vault;

/// <summary>
/// The vault's root record, kept at offset 0 and again in the carrier's last 4 KiB. Little-endian, XxHash64 over
/// every byte before the checksum. The copy with the higher generation wins on open.
/// </summary>
internal sealed record Superblock(Guid VaultId, VaultGeometry Geometry, ulong Generation, int ActiveSlot, ulong CheckpointedSequence)
{
    public const uint CurrentVersion = 1;
    public static ReadOnlySpan<byte> Magic => "PSVAULT\0"u8;
    private const int ChecksumOffset = 160;
    private const int EncodedLength = ChecksumOffset + sizeof(ulong);

    public enum ReadOutcome { Valid, NoMagic, BadChecksum, UnsupportedVersion }

    public byte[] Encode()
    {
        var block = new byte[VaultGeometry.MetadataBlockSize];
        var s = block.AsSpan();
        var g = Geometry;
        Magic.CopyTo(s);
        BinaryPrimitives.WriteUInt32LittleEndian(s[8..], CurrentVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(s[12..], EncodedLength);
        VaultId.TryWriteBytes(s[16..32]);
        BinaryPrimitives.WriteInt64LittleEndian(s[32..], g.TotalSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[40..], VaultGeometry.MetadataBlockSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[44..], VaultGeometry.ExtentSize);
        BinaryPrimitives.WriteUInt32LittleEndian(s[48..], VaultGeometry.DataBlockSize);
        BinaryPrimitives.WriteInt64LittleEndian(s[56..], g.JournalOffset);
        BinaryPrimitives.WriteInt64LittleEndian(s[64..], g.JournalLength);
        BinaryPrimitives.WriteInt64LittleEndian(s[72..], g.SlotAOffset);
        BinaryPrimitives.WriteInt64LittleEndian(s[80..], g.SlotBOffset);
        BinaryPrimitives.WriteInt64LittleEndian(s[88..], g.SlotLength);
        BinaryPrimitives.WriteInt64LittleEndian(s[96..], g.BitmapLength);
        BinaryPrimitives.WriteInt64LittleEndian(s[104..], g.RegionTableLength);
        BinaryPrimitives.WriteInt64LittleEndian(s[112..], g.ChecksumTableLength);
        BinaryPrimitives.WriteInt64LittleEndian(s[120..], g.DataOffset);
        BinaryPrimitives.WriteInt64LittleEndian(s[128..], g.ExtentCount);
        BinaryPrimitives.WriteUInt64LittleEndian(s[136..], Generation);
        BinaryPrimitives.WriteInt32LittleEndian(s[144..], ActiveSlot);
        BinaryPrimitives.WriteUInt64LittleEndian(s[152..], CheckpointedSequence);
        BinaryPrimitives.WriteUInt64LittleEndian(s[ChecksumOffset..], XxHash64.HashToUInt64(s[..ChecksumOffset]));
        return block;
    }

    public static bool HasMagic(ReadOnlySpan<byte> block) => block.Length >= Magic.Length && block[..Magic.Length].SequenceEqual(Magic);

    public static ReadOutcome TryDecode(ReadOnlySpan<byte> s, out Superblock? superblock, out uint version)
    {
        superblock = null;
        version = 0;
        if (!HasMagic(s)) return ReadOutcome.NoMagic;
        if (BinaryPrimitives.ReadUInt64LittleEndian(s[ChecksumOffset..]) != XxHash64.HashToUInt64(s[..ChecksumOffset]))
            return ReadOutcome.BadChecksum;
        version = BinaryPrimitives.ReadUInt32LittleEndian(s[8..]);
        if (version != CurrentVersion) return ReadOutcome.UnsupportedVersion;
        if (BinaryPrimitives.ReadUInt32LittleEndian(s[40..]) != VaultGeometry.MetadataBlockSize
            || BinaryPrimitives.ReadUInt32LittleEndian(s[44..]) != VaultGeometry.ExtentSize
            || BinaryPrimitives.ReadUInt32LittleEndian(s[48..]) != VaultGeometry.DataBlockSize)
            return ReadOutcome.UnsupportedVersion;
        var geometry = new VaultGeometry(
            TotalSize: BinaryPrimitives.ReadInt64LittleEndian(s[32..]),
            JournalOffset: BinaryPrimitives.ReadInt64LittleEndian(s[56..]),
            JournalLength: BinaryPrimitives.ReadInt64LittleEndian(s[64..]),
            SlotAOffset: BinaryPrimitives.ReadInt64LittleEndian(s[72..]),
            SlotBOffset: BinaryPrimitives.ReadInt64LittleEndian(s[80..]),
            SlotLength: BinaryPrimitives.ReadInt64LittleEndian(s[88..]),
            BitmapLength: BinaryPrimitives.ReadInt64LittleEndian(s[96..]),
            RegionTableLength: BinaryPrimitives.ReadInt64LittleEndian(s[104..]),
            ChecksumTableLength: BinaryPrimitives.ReadInt64LittleEndian(s[112..]),
            DataOffset: BinaryPrimitives.ReadInt64LittleEndian(s[120..]),
            ExtentCount: BinaryPrimitives.ReadInt64LittleEndian(s[128..]));
        superblock = new Superblock(new Guid(s[16..32]), geometry,
            BinaryPrimitives.ReadUInt64LittleEndian(s[136..]),
            BinaryPrimitives.ReadInt32LittleEndian(s[144..]),
            BinaryPrimitives.ReadUInt64LittleEndian(s[152..]));
        return ReadOutcome.Valid;
    }
}
