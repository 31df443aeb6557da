namespace PeerStorage.Bench.Transport;

internal static class Payload
{
    /// <summary>Incompressible bytes (TLS does not compress, but this keeps the comparison honest anyway).</summary>
    public static byte[] Create(int length)
    {
        var data = new byte[length];
        new Random(12345).NextBytes(data);
        return data;
    }
}
