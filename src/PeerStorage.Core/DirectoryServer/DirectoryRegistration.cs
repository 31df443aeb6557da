using PeerStorage.Core.Node;
using PeerStorage.Core.Platform;
using PeerStorage.Core.State;

namespace PeerStorage.Core.DirectoryServer;

/// <summary>
/// Keeps this node's entry fresh in the directory server named by its DirectoryAddress setting, so peers beyond the
/// link can find it by id. Each registration is also a gossip point for revocations (NodeNetwork.ConnectAsync).
/// </summary>
public static class DirectoryRegistration
{
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    public static string? DirectoryAddress(NodeHome home) => home.Settings.Get(SettingKeys.DirectoryAddress);

    /// <summary>Registers once; returns the entry the directory stored, or null when no directory is configured.</summary>
    public static async Task<PeerDirectoryEntry?> RegisterAsync(NodeHome home, NodeNetwork network, int port, CancellationToken cancellationToken)
    {
        var address = DirectoryAddress(home);
        if (string.IsNullOrWhiteSpace(address)) return null;
        var target = HostPort.Parse(address, NodeHome.DefaultPort);
        await using var session = await network.ConnectAsync(target.Host, target.Port, null, cancellationToken).ConfigureAwait(false);
        var addresses = NetworkAddresses.Local().Where(a => a is not "127.0.0.1" and not "::1").ToArray();
        var entries = await DirectoryService.RegisterAsync(session, new DirectoryService.Registration(home.Name, addresses, port), cancellationToken).ConfigureAwait(false);
        return entries.FirstOrDefault();
    }

    /// <summary>Asks the configured directory for a node by id or name.</summary>
    public static async Task<PeerDirectoryEntry[]> LookupAsync(NodeHome home, NodeNetwork network, string? nodeId, string? name, CancellationToken cancellationToken)
    {
        var address = DirectoryAddress(home) ?? throw new PeerStorageException("NoDirectory", PeerErrorKind.InvalidOperation,
            $"Node {home.Name} has no directory server: set one with Set-PeerNode -DirectoryAddress host:port.", target: home.Path);
        var target = HostPort.Parse(address, NodeHome.DefaultPort);
        await using var session = await network.ConnectAsync(target.Host, target.Port, null, cancellationToken).ConfigureAwait(false);
        return await DirectoryService.LookupAsync(session, new DirectoryService.Lookup(nodeId, name), cancellationToken).ConfigureAwait(false);
    }
}
