namespace PeerStorage.Core.Discovery.Dns;

/// <summary>
/// Decodes wire format into a <see cref="DnsMessage"/>. Hostile input fails with <see cref="DnsFormatException"/>:
/// section counts are never trusted for allocation (each entry must fit in what is left), record data must be
/// consumed exactly, and names are bounded (see <see cref="DnsWireReader.ReadName"/>).
/// </summary>
internal static class DnsMessageReader
{
    private const int HeaderBytes = 12;
    private const int MinQuestionBytes = 5;  // root name + type + class
    private const int MinRecordBytes = 11;   // root name + type + class + ttl + length

    public static DnsMessage Read(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < HeaderBytes) throw new DnsFormatException($"A DNS message has a 12-byte header; got {packet.Length} bytes.");
        var reader = new DnsWireReader(packet);
        var id = reader.ReadUInt16();
        var flags = reader.ReadUInt16();
        int questionCount = reader.ReadUInt16(), answerCount = reader.ReadUInt16(),
            authorityCount = reader.ReadUInt16(), additionalCount = reader.ReadUInt16();

        var questionBudget = questionCount * MinQuestionBytes;
        var recordBudget = (answerCount + authorityCount + additionalCount) * MinRecordBytes;
        if (questionBudget + recordBudget > reader.Remaining)
            throw new DnsFormatException($"Section counts ({questionCount}/{answerCount}/{authorityCount}/{additionalCount}) cannot fit in {packet.Length} bytes.");

        var questions = new List<DnsQuestion>(questionCount);
        for (var i = 0; i < questionCount; i++) questions.Add(ReadQuestion(ref reader));
        var answers = ReadRecords(ref reader, answerCount);
        var authorities = ReadRecords(ref reader, authorityCount);
        var additionals = ReadRecords(ref reader, additionalCount);

        return new DnsMessage
        {
            Id = id,
            IsResponse = (flags & 0x8000) != 0,
            Opcode = (byte)((flags >> 11) & 0xF),
            Authoritative = (flags & 0x0400) != 0,
            Truncated = (flags & 0x0200) != 0,
            RecursionDesired = (flags & 0x0100) != 0,
            RecursionAvailable = (flags & 0x0080) != 0,
            ResponseCode = (byte)(flags & 0xF),
            Questions = questions,
            Answers = answers,
            Authorities = authorities,
            Additionals = additionals,
        };
    }

    private static DnsQuestion ReadQuestion(ref DnsWireReader reader)
    {
        var name = reader.ReadName();
        var type = (DnsRecordType)reader.ReadUInt16();
        var rawClass = reader.ReadUInt16();
        return new DnsQuestion(name, type, (ushort)(rawClass & ~DnsClass.TopBit), (rawClass & DnsClass.TopBit) != 0);
    }

    private static List<DnsRecord> ReadRecords(ref DnsWireReader reader, int count)
    {
        var records = new List<DnsRecord>(count);
        for (var i = 0; i < count; i++) records.Add(ReadRecord(ref reader));
        return records;
    }

    private static DnsRecord ReadRecord(ref DnsWireReader reader)
    {
        var name = reader.ReadName();
        var type = (DnsRecordType)reader.ReadUInt16();
        var rawClass = reader.ReadUInt16();
        var ttl = reader.ReadUInt32();
        int length = reader.ReadUInt16();
        if (length > reader.Remaining) throw new DnsFormatException($"Record data of {name} ({length} bytes) runs past the packet.");
        var end = reader.Position + length;
        DnsRecordData data = type switch
        {
            DnsRecordType.A or DnsRecordType.AAAA => AddressRecordData.Read(ref reader, type, length),
            DnsRecordType.PTR => PointerRecordData.Read(ref reader),
            DnsRecordType.SRV => ServiceRecordData.Read(ref reader),
            DnsRecordType.TXT => TextRecordData.Read(ref reader, length),
            DnsRecordType.NSEC => NsecRecordData.Read(ref reader, length),
            _ => new OpaqueRecordData(type, reader.ReadBytes(length).ToArray()),
        };
        if (reader.Position != end) throw new DnsFormatException($"{type} record data of {name} does not match its length {length}.");
        return new DnsRecord(name, type, ttl, data, (rawClass & DnsClass.TopBit) != 0, (ushort)(rawClass & ~DnsClass.TopBit));
    }
}
