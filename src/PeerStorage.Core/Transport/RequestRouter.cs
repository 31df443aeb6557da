using System.Collections.Concurrent;

namespace PeerStorage.Core.Transport;

/// <summary>Answers one request: the body in, the response out. Throw a PeerStorageException to send its ErrorId back.</summary>
public delegate ValueTask<ReadOnlyMemory<byte>> RequestHandler(PeerCallContext context, ReadOnlyMemory<byte> body, CancellationToken cancellationToken);

/// <summary>
/// Serves one bulk stream: read and write <paramref name="stream"/> (both ways, with backpressure). Returning ends
/// this side's writes; throwing sends an error frame.
/// </summary>
public delegate Task StreamHandler(PeerCallContext context, ReadOnlyMemory<byte> header, PeerStream stream, CancellationToken cancellationToken);

/// <summary>
/// Maps method names to handlers. Services register their methods here (for example "backup.put"); the transport
/// answers unknown methods with a PeerMethodNotFound error frame. Safe to change while connections are served.
/// </summary>
public sealed class RequestRouter
{
    private readonly ConcurrentDictionary<string, Route> _routes = new(StringComparer.Ordinal);

    public IReadOnlyCollection<string> Methods => _routes.Keys.ToArray();

    public RequestRouter Map(string method, RequestHandler handler) => Add(method, new Route(StreamKind.Request, handler, null));

    public RequestRouter MapStream(string method, StreamHandler handler) => Add(method, new Route(StreamKind.Bulk, null, handler));

    public bool Unmap(string method) => _routes.TryRemove(method, out _);

    internal bool TryFind(string method, out Route route) => _routes.TryGetValue(method, out route!);

    private RequestRouter Add(string method, Route route)
    {
        if (!OpenMessage.IsValidMethod(method))
            throw new ArgumentException($"'{method}' is not a method name: 1 to {OpenMessage.MaxMethodLength} printable ASCII characters without spaces.", nameof(method));
        if (!_routes.TryAdd(method, route))
            throw new ArgumentException($"The method '{method}' is already mapped.", nameof(method));
        return this;
    }

    internal sealed record Route(StreamKind Kind, RequestHandler? Request, StreamHandler? Stream);
}
