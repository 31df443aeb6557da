using System.Globalization;
using PeerStorage.Core.Logging;
using PeerStorage.Core.Platform;
using PeerStorage.Core.State;
using Serilog;

namespace PeerStorage.Core.Node;

/// <summary>What Initialize-PeerNode asks for.</summary>
public sealed record NodeInitOptions(string? Name = null, int? Port = null, bool Force = false);

/// <summary>
/// An opened node home: identity, state database and log. It is the single source of truth that cmdlets, a node
/// running in a session and the agent all open.
/// </summary>
public sealed class NodeHome : IDisposable
{
    public const string EnvironmentVariable = "PEERSTORAGE_HOME";
    public const string IdentityDirectoryName = "identity";
    public const int DefaultPort = 47620;

    private NodeHome(string path, NodeIdentity identity, StateDatabase state, ILogger log)
    {
        Path = path;
        Identity = identity;
        State = state;
        Settings = new Settings(state);
        Log = log;
    }

    public string Path { get; }
    public NodeIdentity Identity { get; private set; }
    public StateDatabase State { get; }
    public Settings Settings { get; }
    public ILogger Log { get; }
    public NodeId NodeId => Identity.NodeId;

    public string Name => Settings.Get(SettingKeys.Name) ?? Environment.MachineName;
    public int Port => int.TryParse(Settings.Get(SettingKeys.Port), out var p) ? p : DefaultPort;

    /// <summary>$env:PEERSTORAGE_HOME, else a folder in the user's local application data (per OS).</summary>
    public static string DefaultPath()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment)) return System.IO.Path.GetFullPath(fromEnvironment);
        var root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create);
        if (string.IsNullOrEmpty(root)) root = System.IO.Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share");
        return System.IO.Path.Combine(root, OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? "PeerStorage" : "peerstorage");
    }

    public static string ResolvePath(string? nodePath) =>
        string.IsNullOrWhiteSpace(nodePath) ? DefaultPath() : System.IO.Path.GetFullPath(nodePath);

    public static bool IsInitialized(string path) => NodeIdentity.Exists(System.IO.Path.Combine(path, IdentityDirectoryName));

    /// <summary>
    /// Creates a node home. An existing identity is kept unless <see cref="NodeInitOptions.Force"/>; then it is moved
    /// to identity/retired/ (never deleted) and a new one is made. Settings and records in the database are kept.
    /// </summary>
    public static NodeHome Initialize(string path, NodeInitOptions options)
    {
        path = ResolvePath(path);
        if (options.Port is < 0 or > 65535)
            throw new PeerStorageException("InvalidPort", PeerErrorKind.InvalidArgument, $"Port {options.Port} is not between 0 and 65535.", target: options.Port);
        var identityDirectory = System.IO.Path.Combine(path, IdentityDirectoryName);
        string? retired = null;
        if (NodeIdentity.Exists(identityDirectory))
        {
            if (!options.Force)
                throw new PeerStorageException("NodeHomeExists", PeerErrorKind.AlreadyExists,
                    $"A node already lives in '{path}'. Use -Force to replace its identity (the old one is kept in identity/retired).", target: path);
            ThrowIfRunning(path, "replacing its identity");
            retired = NodeIdentity.Retire(identityDirectory);
        }

        OwnerOnly.CreateDirectory(path);
        var log = NodeLog.Create(path, "Node");
        try
        {
            var state = StateDatabase.Open(System.IO.Path.Combine(path, StateDatabase.FileName));
            OwnerOnly.Restrict(state.Path, directory: false);
            var name = options.Name ?? new Settings(state).Get(SettingKeys.Name) ?? Environment.MachineName;
            var identity = NodeIdentity.Create(identityDirectory, name);
            var settings = new Settings(state);
            settings.Set(new Dictionary<string, string?>
            {
                [SettingKeys.Name] = name,
                [SettingKeys.Port] = (options.Port ?? (int.TryParse(settings.Get(SettingKeys.Port), out var p) ? p : DefaultPort)).ToString(CultureInfo.InvariantCulture),
                [SettingKeys.Created] = DateTimeOffset.UtcNow.ToString("O"),
                [SettingKeys.FleetId] = null, // a new key is not in any fleet until a certificate is installed
            });
            if (retired is not null) log.Warning("Replaced the node identity; the previous one is kept in {Retired}", retired);
            log.Tell("Initialized node {Name} ({NodeId}) in {Path}", name, identity.NodeId.ToString(), path);
            return new NodeHome(path, identity, state, log);
        }
        catch
        {
            NodeLog.Close(log);
            throw;
        }
    }

    public static NodeHome Open(string? path, string component = "Node")
    {
        path = ResolvePath(path);
        if (!IsInitialized(path))
            throw new PeerStorageException("NodeHomeNotFound", PeerErrorKind.NotFound,
                $"No node home at '{path}'. Run Initialize-PeerNode -NodePath '{path}' first, or set $env:{EnvironmentVariable}.", target: path);
        var identity = NodeIdentity.Load(System.IO.Path.Combine(path, IdentityDirectoryName));
        try
        {
            var state = StateDatabase.Open(System.IO.Path.Combine(path, StateDatabase.FileName));
            return new NodeHome(path, identity, state, NodeLog.Create(path, component));
        }
        catch
        {
            identity.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Re-reads the certificate after a fleet certificate was installed. The key, and so the node id, is unchanged;
    /// the old object is left to the collector because live TLS sessions may still hold it.
    /// </summary>
    public void ReloadIdentity() => Identity = NodeIdentity.Load(System.IO.Path.Combine(Path, IdentityDirectoryName));

    /// <summary>Deletes a node home for good. A running node is refused.</summary>
    public static void Remove(string path)
    {
        path = ResolvePath(path);
        if (!Directory.Exists(path))
            throw new PeerStorageException("NodeHomeNotFound", PeerErrorKind.NotFound, $"No node home at '{path}'.", target: path);
        ThrowIfRunning(path, "removing it");
        Directory.Delete(path, recursive: true);
    }

    private static void ThrowIfRunning(string path, string doing)
    {
        var database = System.IO.Path.Combine(path, StateDatabase.FileName);
        if (!File.Exists(database)) return;
        var runtime = NodeRuntimeRecord.Read(StateDatabase.Open(database));
        if (runtime?.IsAlive == true)
            throw new PeerStorageException("NodeAlreadyRunning", PeerErrorKind.InvalidOperation,
                $"The node in '{path}' is running (process {runtime.ProcessId} on {runtime.Host}). Stop it before {doing}.", target: path);
    }

    /// <summary>The node as cmdlets show it, with its runtime state read from the database.</summary>
    public PeerNode Describe()
    {
        var settings = Settings.All();
        var runtime = NodeRuntimeRecord.Read(State);
        var running = runtime?.IsAlive == true;
        return new PeerNode
        {
            NodeId = NodeId.ToString(),
            Name = settings.GetValueOrDefault(SettingKeys.Name) ?? Environment.MachineName,
            NodePath = Path,
            Addresses = NetworkAddresses.Local(),
            Port = running ? runtime!.Port : (int.TryParse(settings.GetValueOrDefault(SettingKeys.Port), out var p) ? p : DefaultPort),
            FleetId = settings.GetValueOrDefault(SettingKeys.FleetId),
            DirectoryAddress = settings.GetValueOrDefault(SettingKeys.DirectoryAddress),
            DirectoryRefreshInterval = DirectoryServer.DirectoryRegistration.Interval(settings.GetValueOrDefault(SettingKeys.DirectoryRefreshSeconds)),
            Version = EngineInfo.Version,
            State = running ? PeerNodeState.Running : PeerNodeState.Stopped,
            ProcessId = running ? runtime!.ProcessId : null,
            Created = DateTimeOffset.TryParse(settings.GetValueOrDefault(SettingKeys.Created), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var c) ? c : default,
            CertificateThumbprint = Identity.Thumbprint,
            LeaseGracePeriod = Leasing.LeasePolicy.Grace(this),
        };
    }

    public void Dispose()
    {
        NodeLog.Close(Log);
        Identity.Dispose();
    }
}
