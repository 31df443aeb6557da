namespace PeerStorage.Core.Discovery.Dns;

/// <summary>The data of a record type this decoder does not interpret, kept byte for byte.</summary>
public sealed class OpaqueRecordData(DnsRecordType type, byte[] bytes) : DnsRecordData
{
    private readonly byte[] _bytes = bytes;

    public override DnsRecordType Type { get; } = type;
    public ReadOnlyMemory<byte> Bytes => _bytes;

    internal override void Write(DnsWireWriter writer) => writer.WriteBytes(_bytes);

    public override bool Equals(DnsRecordData? other) =>
        other is OpaqueRecordData o && o.Type == Type && o._bytes.AsSpan().SequenceEqual(_bytes);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Type);
        hash.AddBytes(_bytes);
        return hash.ToHashCode();
    }

    public override string ToString() => $"\\# {_bytes.Length} {Convert.ToHexString(_bytes)}";
}
