using PeerStorage.Core.Discovery;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Resolution;

/// <summary>mDNS browsing as the resolver's link step, under this process's discovery policy (null when it is off).</summary>
public static class LinkBrowsers
{
    /// <summary>Browses with the node's log.</summary>
    public static LinkBrowser? ForNode(NodeHome home) => Create(home.Log);

    /// <summary>Browses without a node home (an admin looking at the link from any machine).</summary>
    public static LinkBrowser? ForProcess() => Create(null);

    private static LinkBrowser? Create(Serilog.ILogger? log)
    {
        var options = DiscoveryPolicy.Current();
        if (options is null) return null;
        return (timeout, cancellationToken) => PeerNodeDiscovery.BrowseAsync(timeout, log, options, cancellationToken);
    }
}
