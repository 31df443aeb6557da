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
    /// <summary>How often a running node registers again, unless its settings say otherwise.</summary>
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromMinutes(1);
    /// <summary>
    /// The longest interval a node may choose: well inside <see cref="DirectoryStore.EntryLifetime"/>, so an entry
    /// survives a missed registration or two.
    /// </summary>
    public static readonly TimeSpan MaxInterval = TimeSpan.FromMinutes(5);

    /// <summary>The node's refresh interval (Set-PeerNode -DirectoryRefreshInterval), else the default.</summary>
    public static TimeSpan Interval(NodeHome home) => Interval(home.Settings.Get(SettingKeys.DirectoryRefreshSeconds));

    /// <summary>The interval a setting's value stands for: whole seconds from 1 to 300; anything else is the default.</summary>
    public static TimeSpan Interval(string? setting) =>
        int.TryParse(setting, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
        && seconds >= 1 && seconds <= MaxInterval.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : DefaultInterval;

    public static string? DirectoryAddress(NodeHome home) => home.Settings.Get(SettingKeys.DirectoryAddress);

    /// <summary>Registers once; returns the entry the directory stored, or null when no directory is configured.</summary>
    public static async Task<PeerDirectoryEntry?> RegisterAsync(NodeHome home, NodeNetwork network, int port, CancellationToken cancellationToken)
    {
        var address = DirectoryAddress(home);
        if (string.IsNullOrWhiteSpace(address)) return null;
        var target = HostPort.Parse(address, NodeHome.DefaultPort);
        await using var session = await network.ConnectAsync(target.Host, target.Port, null, cancellationToken).ConfigureAwait(false);
        var addresses = Publishable(NetworkAddresses.Local());
        var entries = await DirectoryService.RegisterAsync(session, new DirectoryService.Registration(home.Name, addresses, port), cancellationToken).ConfigureAwait(false);
        return entries.FirstOrDefault();
    }

    /// <summary>
    /// The addresses worth telling a directory: not loopback, and not IPv6 link-local (fe80::/10), which means nothing
    /// beyond the link and, without its interface, nothing at all to the peers that ask the directory.
    /// </summary>
    public static string[] Publishable(IEnumerable<string> addresses) =>
        addresses.Where(a => !System.Net.IPAddress.TryParse(a, out var ip) || !(System.Net.IPAddress.IsLoopback(ip) || ip.IsIPv6LinkLocal)).ToArray();

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
