using System.Buffers.Binary;
using System.IO.Hashing;

namespace PeerStorage.Core.Vault;

/// <summary>
/// The write-ahead journal: a linear area of 4 KiB-aligned records, each <c>magic | payload length | sequence |
/// payload | XxHash64</c>, the hash seeded with the vault id so records left by an earlier vault on the same
/// carrier never replay. After a checkpoint the journal restarts at its beginning; replay reads records whose
/// sequence numbers continue the checkpointed one and stops at the first gap, torn record or stale sequence.
/// </summary>
internal sealed class Journal
{
    private const uint RecordMagic = 0x4A565350; // "PSVJ"
    private const int HeaderLength = 16;
    private const int Align = VaultGeometry.MetadataBlockSize;

    private readonly VaultDevice _device;
    private readonly VaultGeometry _geometry;
    private readonly long _seed;
    private long _position; // relative to the journal's start

    public Journal(VaultDevice device, VaultGeometry geometry, Guid vaultId, ulong lastSequence)
    {
        _device = device;
        _geometry = geometry;
        _seed = BinaryPrimitives.ReadInt64LittleEndian(vaultId.ToByteArray());
        LastSequence = lastSequence;
    }

    public ulong LastSequence { get; private set; }

    public long Remaining => _geometry.JournalLength - _position;

    public static long SpaceFor(JournalRecord record) => VaultGeometry.RoundUp(HeaderLength + record.PayloadLength + sizeof(ulong), Align);

    /// <summary>Writes a record and makes it durable before returning: after this the update is committed.</summary>
    public void Commit(JournalRecord record)
    {
        Append(record);
        _device.Flush();
    }

    /// <summary>
    /// Writes a record without flushing: it is committed by the next flush of the carrier (by whoever makes it).
    /// The caller must not acknowledge the change, nor depend on the record, before such a flush.
    /// </summary>
    public void Append(JournalRecord record)
    {
        var payloadLength = record.PayloadLength;
        var length = VaultGeometry.RoundUp(HeaderLength + payloadLength + sizeof(ulong), Align);
        if (length > Remaining) throw new InvalidOperationException("The journal is full; the caller checkpoints first.");
        var block = new byte[length];
        var s = block.AsSpan();
        var sequence = LastSequence + 1;
        BinaryPrimitives.WriteUInt32LittleEndian(s, RecordMagic);
        BinaryPrimitives.WriteInt32LittleEndian(s[4..], payloadLength);
        BinaryPrimitives.WriteUInt64LittleEndian(s[8..], sequence);
        record.EncodePayload(s.Slice(HeaderLength, payloadLength));
        var end = HeaderLength + payloadLength;
        BinaryPrimitives.WriteUInt64LittleEndian(s[end..], XxHash64.HashToUInt64(s[..end], _seed));
        _device.Write(_geometry.JournalOffset + _position, block);
        _position += length;
        LastSequence = sequence;
    }

    /// <summary>Starts over at the journal's beginning once a checkpoint has made every record redundant.</summary>
    public void Reset() => _position = 0;

    /// <summary>The committed records after <paramref name="checkpointed"/>, in order; leaves the journal positioned after them.</summary>
    public List<JournalRecord> ReadCommitted(ulong checkpointed)
    {
        var records = new List<JournalRecord>();
        var expected = checkpointed + 1;
        long position = 0;
        var header = new byte[HeaderLength];
        while (position + Align <= _geometry.JournalLength)
        {
            _device.Read(_geometry.JournalOffset + position, header);
            if (BinaryPrimitives.ReadUInt32LittleEndian(header) != RecordMagic) break;
            var payloadLength = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(4));
            var sequence = BinaryPrimitives.ReadUInt64LittleEndian(header.AsSpan(8));
            if (sequence != expected || payloadLength < 0) break;
            var length = VaultGeometry.RoundUp(HeaderLength + (long)payloadLength + sizeof(ulong), Align);
            if (position + length > _geometry.JournalLength) break;
            var block = new byte[length];
            _device.Read(_geometry.JournalOffset + position, block);
            var end = HeaderLength + payloadLength;
            if (BinaryPrimitives.ReadUInt64LittleEndian(block.AsSpan(end)) != XxHash64.HashToUInt64(block.AsSpan(0, end), _seed)) break;
            records.Add(JournalRecord.DecodePayload(block.AsSpan(HeaderLength, payloadLength)));
            position += length;
            expected++;
        }
        _position = position;
        LastSequence = expected - 1;
        return records;
    }
}
