using System.Buffers.Binary;
using System.Text;

namespace PeerStorage.Core.Vault;

internal enum JournalRecordType : byte
{
    /// <summary>A region was created over these extents.</summary>
    Allocate = 1,
    /// <summary>A region's extents were zeroed and released.</summary>
    Free = 2,
    /// <summary>A region's extents were zeroed; the region stays.</summary>
    Wipe = 3,
    /// <summary>These data blocks are about to be written with these checksums; replay keeps whichever content landed.</summary>
    Write = 4,
    /// <summary>These data blocks no longer hold anything: they read as zeros until written again.</summary>
    Discard = 5,
}

/// <summary>A run of consecutive units (extents or data blocks).</summary>
internal readonly record struct Run(long Start, int Count);

/// <summary>One metadata update as the journal stores it.</summary>
internal sealed record JournalRecord(JournalRecordType Type, Guid RegionId, string OwnerId = "", long Length = 0,
    IReadOnlyList<Run>? Runs = null, IReadOnlyList<ulong>? Checksums = null)
{
    /// <summary>The encoded payload's length in bytes.</summary>
    public int PayloadLength => 1 + 16 + 2 + Encoding.UTF8.GetByteCount(OwnerId) + 8 + 4 + (Runs?.Count ?? 0) * 12 + 4 + (Checksums?.Count ?? 0) * 8;

    public byte[] EncodePayload()
    {
        var buffer = new byte[PayloadLength];
        EncodePayload(buffer);
        return buffer;
    }

    /// <summary>Encodes the payload into exactly <see cref="PayloadLength"/> bytes.</summary>
    public void EncodePayload(Span<byte> s)
    {
        var owner = Encoding.UTF8.GetBytes(OwnerId);
        var runs = Runs ?? [];
        var checksums = Checksums ?? [];
        s[0] = (byte)Type;
        RegionId.TryWriteBytes(s[1..17]);
        BinaryPrimitives.WriteUInt16LittleEndian(s[17..], (ushort)owner.Length);
        owner.CopyTo(s[19..]);
        var p = 19 + owner.Length;
        BinaryPrimitives.WriteInt64LittleEndian(s[p..], Length);
        BinaryPrimitives.WriteInt32LittleEndian(s[(p + 8)..], runs.Count);
        p += 12;
        foreach (var run in runs)
        {
            BinaryPrimitives.WriteInt64LittleEndian(s[p..], run.Start);
            BinaryPrimitives.WriteInt32LittleEndian(s[(p + 8)..], run.Count);
            p += 12;
        }
        BinaryPrimitives.WriteInt32LittleEndian(s[p..], checksums.Count);
        p += 4;
        foreach (var checksum in checksums)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(s[p..], checksum);
            p += 8;
        }
    }

    public static JournalRecord DecodePayload(ReadOnlySpan<byte> s)
    {
        var type = (JournalRecordType)s[0];
        var region = new Guid(s[1..17]);
        var ownerLength = BinaryPrimitives.ReadUInt16LittleEndian(s[17..]);
        var owner = Encoding.UTF8.GetString(s.Slice(19, ownerLength));
        var p = 19 + ownerLength;
        var length = BinaryPrimitives.ReadInt64LittleEndian(s[p..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(s[(p + 8)..]);
        p += 12;
        var runs = new Run[count];
        for (var i = 0; i < count; i++, p += 12)
            runs[i] = new Run(BinaryPrimitives.ReadInt64LittleEndian(s[p..]), BinaryPrimitives.ReadInt32LittleEndian(s[(p + 8)..]));
        var checksumCount = BinaryPrimitives.ReadInt32LittleEndian(s[p..]);
        p += 4;
        var checksums = new ulong[checksumCount];
        for (var i = 0; i < checksumCount; i++, p += 8) checksums[i] = BinaryPrimitives.ReadUInt64LittleEndian(s[p..]);
        return new JournalRecord(type, region, owner, length, runs, checksums);
    }
}
