namespace PeerStorage.Core.Discovery.Dns;

/// <summary>Encodes a <see cref="DnsMessage"/> to wire format, compressing repeated name suffixes.</summary>
internal static class DnsMessageWriter
{
    public static byte[] Write(DnsMessage message)
    {
        CheckCount(message.Questions.Count);
        CheckCount(message.Answers.Count);
        CheckCount(message.Authorities.Count);
        CheckCount(message.Additionals.Count);

        var writer = new DnsWireWriter();
        writer.WriteUInt16(message.Id);
        writer.WriteUInt16(Flags(message));
        writer.WriteUInt16((ushort)message.Questions.Count);
        writer.WriteUInt16((ushort)message.Answers.Count);
        writer.WriteUInt16((ushort)message.Authorities.Count);
        writer.WriteUInt16((ushort)message.Additionals.Count);

        foreach (var question in message.Questions)
        {
            writer.WriteName(question.Name);
            writer.WriteUInt16((ushort)question.Type);
            writer.WriteUInt16((ushort)(question.Class | (question.UnicastResponse ? DnsClass.TopBit : 0)));
        }
        foreach (var record in message.AllRecords) WriteRecord(writer, record);
        return writer.ToArray();
    }

    private static void WriteRecord(DnsWireWriter writer, DnsRecord record)
    {
        writer.WriteName(record.Name);
        writer.WriteUInt16((ushort)record.Type);
        writer.WriteUInt16((ushort)(record.Class | (record.CacheFlush ? DnsClass.TopBit : 0)));
        writer.WriteUInt32(record.Ttl);
        var lengthOffset = writer.Length;
        writer.WriteUInt16(0); // patched once the (possibly compressed) data length is known
        var start = writer.Length;
        record.Data.Write(writer);
        var length = writer.Length - start;
        if (length > ushort.MaxValue) throw new ArgumentException($"Record data of {record.Name} is too long ({length} bytes).");
        writer.PatchUInt16(lengthOffset, (ushort)length);
    }

    private static ushort Flags(DnsMessage m) => (ushort)(
        (m.IsResponse ? 0x8000 : 0) |
        ((m.Opcode & 0xF) << 11) |
        (m.Authoritative ? 0x0400 : 0) |
        (m.Truncated ? 0x0200 : 0) |
        (m.RecursionDesired ? 0x0100 : 0) |
        (m.RecursionAvailable ? 0x0080 : 0) |
        (m.ResponseCode & 0xF));

    private static void CheckCount(int count)
    {
        if (count > ushort.MaxValue) throw new ArgumentException("A DNS section holds at most 65535 entries.");
    }
}
