using System.Text.Json;

namespace PeerStorage.Core.Transport;

/// <summary>Request and response bodies of the node's services as JSON: small, versionable, readable in a capture.</summary>
public static class JsonBody
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static ReadOnlyMemory<byte> Encode<T>(T value) => JsonSerializer.SerializeToUtf8Bytes(value, Options);

    /// <summary>Decodes a peer's body; a malformed one is a protocol error the caller reports, never a crash.</summary>
    public static T Decode<T>(ReadOnlyMemory<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(body.Span, Options) ?? throw new JsonException("empty body");
        }
        catch (JsonException e)
        {
            throw new PeerStorageException("PeerBadRequest", PeerErrorKind.InvalidData, $"The peer sent a malformed message: {e.Message}", e);
        }
    }
}
