using System.Collections.Concurrent;
using PeerStorage.Core.Jobs;

namespace PeerStorage.Core.Node;

/// <summary>An opened node home with its job runner, shared by every cmdlet of a process, so pool throttles hold across calls.</summary>
public sealed class NodeSession : IAsyncDisposable
{
    internal NodeSession(NodeHome home)
    {
        Home = home;
        Runner = new JobRunner(home.State, home.Log);
        KeyWritten = KeyFileTime(home.Path);
    }

    public NodeHome Home { get; }
    public JobRunner Runner { get; }
    internal DateTime KeyWritten { get; }

    internal static DateTime KeyFileTime(string home) =>
        File.GetLastWriteTimeUtc(Path.Combine(home, NodeHome.IdentityDirectoryName, NodeIdentity.KeyFileName));

    public async ValueTask DisposeAsync()
    {
        await Runner.DisposeAsync().ConfigureAwait(false);
        Home.Dispose();
    }
}

/// <summary>The process-wide cache of open node sessions, keyed by node home path.</summary>
public static class NodeSessions
{
    private static readonly ConcurrentDictionary<string, NodeSession> Open = new(PathComparer);
    private static readonly object Gate = new();

    private static StringComparer PathComparer => OperatingSystem.IsWindows() ? StringComparer.OrdinalIgnoreCase : StringComparer.Ordinal;

    /// <summary>The session for a node home, opening it if needed (and again if its identity was replaced on disk).</summary>
    public static NodeSession Get(string? nodePath)
    {
        var path = NodeHome.ResolvePath(nodePath);
        lock (Gate)
        {
            if (Open.TryGetValue(path, out var session))
            {
                if (NodeHome.IsInitialized(path) && NodeSession.KeyFileTime(path) == session.KeyWritten) return session;
                Open.TryRemove(path, out _);
                _ = session.DisposeAsync().AsTask();
            }
            session = new NodeSession(NodeHome.Open(path));
            Open[path] = session;
            return session;
        }
    }

    /// <summary>
    /// Closes the cached session of a home before it is re-initialized or removed. Refused while runs of this
    /// process use it (a node started in this session, a job): those must be stopped first, not cut off.
    /// </summary>
    public static async Task ForgetAsync(string nodePath)
    {
        var path = NodeHome.ResolvePath(nodePath);
        NodeSession? session;
        lock (Gate)
        {
            if (Open.TryGetValue(path, out session) && session.Runner.Active.Count > 0)
                throw new PeerStorageException("NodeAlreadyRunning", PeerErrorKind.InvalidOperation,
                    $"The node in '{path}' has {session.Runner.Active.Count} run(s) in this session (Get-Job). Stop them first.", target: path);
            Open.TryRemove(path, out session);
        }
        if (session is not null) await session.DisposeAsync().ConfigureAwait(false);
    }
}
