using PeerStorage.Core.Jobs;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>A node home in a temporary folder, and what the agent left in it, read as Get-PeerNode/Get-PeerJob would.</summary>
public sealed class TempNodeHome : IDisposable
{
    /// <summary>The job kind the agent's node run is recorded under.</summary>
    public const string NodeServiceKind = "PeerNode";

    private readonly string _root;

    private TempNodeHome(string root, string path, string? nodeId)
    {
        _root = root;
        Path = path;
        NodeId = nodeId;
    }

    public string Path { get; }
    /// <summary>The node id, when the home was initialized by the test.</summary>
    public string? NodeId { get; }

    /// <summary>An initialized node home, as Initialize-PeerNode makes it.</summary>
    public static TempNodeHome Create(string name, int? port = null)
    {
        var root = NewRoot();
        var path = System.IO.Path.Combine(root, "home");
        using var home = NodeHome.Initialize(path, new NodeInitOptions(name, port));
        return new TempNodeHome(root, path, home.NodeId.ToString());
    }

    /// <summary>A path where no node home exists yet.</summary>
    public static TempNodeHome Missing()
    {
        var root = NewRoot();
        return new TempNodeHome(root, System.IO.Path.Combine(root, "home"), null);
    }

    /// <summary>A file beside the home (not in it), such as a configuration file.</summary>
    public string FileBeside(string name) => System.IO.Path.Combine(_root, name);

    public bool IsInitialized => NodeHome.IsInitialized(Path);

    public NodeRuntimeRecord? RuntimeRecord() => NodeRuntimeRecord.Read(Database());

    /// <summary>The node's job runs of Kind PeerNode, oldest first.</summary>
    public IReadOnlyList<PeerJobRecord> NodeRuns() =>
        JobRecords.List(Database(), NodeId ?? "", new JobRecordFilter(Kinds: [NodeServiceKind]));

    private StateDatabase Database() => StateDatabase.Open(System.IO.Path.Combine(Path, StateDatabase.FileName));

    private static string NewRoot()
    {
        var root = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peerstorage-agent-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(root);
        return root;
    }

    public void Dispose()
    {
        try { Directory.Delete(_root, recursive: true); }
        catch (IOException) { } // a file still held open must not fail the test; the folder is under /tmp
        catch (UnauthorizedAccessException) { }
    }
}
