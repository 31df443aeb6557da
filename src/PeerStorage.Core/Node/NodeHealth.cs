using System.Net;
using System.Net.Sockets;
using PeerStorage.Core.Jobs;
using PeerStorage.Core.Platform;
using PeerStorage.Core.State;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Node;

/// <summary>
/// Checks a node home the way an admin would before trusting it: identity readable and consistent, key material
/// private, database intact and current, log writable, and the port either free or answered by this very node.
/// Each check is an output item; a failed one is also an error, so -ErrorAction Stop ends a script on it.
/// </summary>
public static class NodeHealth
{
    public static async Task CheckAsync(NodeHome home, IOperationObserver observer, CancellationToken cancellationToken)
    {
        var checks = new (string Name, Func<Task<(bool, string)>> Run)[]
        {
            ("Identity", () => Task.FromResult(CheckIdentity(home))),
            ("KeyPermissions", () => Task.FromResult(CheckPermissions(home))),
            ("StateDatabase", () => Task.FromResult(CheckDatabase(home))),
            ("Log", () => Task.FromResult(CheckLog(home))),
            ("Port", () => CheckPortAsync(home, cancellationToken)),
        };
        for (var i = 0; i < checks.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (name, run) = checks[i];
            observer.Progress(new OperationProgress("Testing node " + home.Name, name, i * 100 / checks.Length));
            bool passed;
            string detail;
            try
            {
                (passed, detail) = await run().ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                (passed, detail) = (false, e.Message);
            }
            observer.Output(new PeerNodeCheck { NodeId = home.NodeId.ToString(), NodePath = home.Path, Check = name, Passed = passed, Detail = detail });
            if (!passed)
                observer.Error(new PeerStorageException("NodeCheckFailed", PeerErrorKind.InvalidData, $"{name}: {detail}", target: home.Path));
        }
        observer.Progress(new OperationProgress("Testing node " + home.Name, "Done", 100, Completed: true));
    }

    private static (bool, string) CheckIdentity(NodeHome home)
    {
        using var reloaded = NodeIdentity.Load(Path.Combine(home.Path, NodeHome.IdentityDirectoryName));
        if (!reloaded.NodeId.Equals(home.NodeId)) return (false, "The identity on disk changed since the node was opened.");
        var certificate = reloaded.Certificate;
        if (certificate.NotAfter < DateTime.Now) return (false, $"The node certificate expired on {certificate.NotAfter:u}.");
        return (true, $"Node id {reloaded.NodeId}; certificate valid until {certificate.NotAfter:yyyy-MM-dd}.");
    }

    private static (bool, string) CheckPermissions(NodeHome home)
    {
        var key = Path.Combine(home.Path, NodeHome.IdentityDirectoryName, NodeIdentity.KeyFileName);
        var open = new[] { home.Path, Path.Combine(home.Path, NodeHome.IdentityDirectoryName), key }.Where(p => !OwnerOnly.IsRestricted(p)).ToArray();
        return open.Length == 0
            ? (true, "The node home and its key are readable by their owner only.")
            : (false, $"Readable by others: {string.Join(", ", open)}. Restrict them (chmod go-rwx).");
    }

    private static (bool, string) CheckDatabase(NodeHome home) => home.State.Read(connection =>
    {
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA integrity_check;";
        var result = command.ExecuteScalar() as string;
        var version = StateDatabase.SchemaVersion(connection);
        if (result != "ok") return (false, $"SQLite integrity check: {result}");
        return version == StateDatabase.CurrentVersion
            ? (true, $"Integrity ok; schema version {version}.")
            : (false, $"Schema version {version}, expected {StateDatabase.CurrentVersion}.");
    });

    private static (bool, string) CheckLog(NodeHome home)
    {
        var directory = Path.Combine(home.Path, Logging.NodeLog.DirectoryName);
        var probe = Path.Combine(directory, $".probe-{Environment.ProcessId}");
        File.WriteAllText(probe, "probe");
        File.Delete(probe);
        return (true, $"Log folder {directory} is writable.");
    }

    private static async Task<(bool, string)> CheckPortAsync(NodeHome home, CancellationToken cancellationToken)
    {
        var runtime = NodeRuntimeRecord.Read(home.State);
        if (runtime?.IsAlive == true)
        {
            var reply = await Ping.SendAsync("localhost", runtime.Port, cancellationToken).ConfigureAwait(false);
            return reply.NodeId == home.NodeId.ToString()
                ? (true, $"The node answers on port {runtime.Port} in {reply.RoundTrip.TotalMilliseconds:0.#} ms.")
                : (false, $"Port {runtime.Port} is answered by another node ({reply.NodeId}).");
        }
        var port = home.Port;
        if (port == 0) return (true, "The node picks a free port when it starts.");
        try
        {
            var listener = new TcpListener(IPAddress.Any, port);
            listener.Start();
            listener.Stop();
            return (true, $"Port {port} is free for the node.");
        }
        catch (SocketException e)
        {
            return (false, $"Port {port} is taken ({e.SocketErrorCode}); the node could not start. Choose another with Set-PeerNode -Port.");
        }
    }
}
