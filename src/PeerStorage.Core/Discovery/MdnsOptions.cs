namespace PeerStorage.Core.Discovery;

/// <summary>Where and how mDNS talks. The defaults are what RFC 6762 requires; tests change the port or interfaces.</summary>
public sealed record MdnsOptions
{
    /// <summary>The standard mDNS port. Another port makes a private mDNS "network" (tests on loopback).</summary>
    public const int StandardPort = 5353;

    public int Port { get; init; } = StandardPort;
    public bool UseIPv4 { get; init; } = true;
    public bool UseIPv6 { get; init; } = true;
    /// <summary>Also use loopback interfaces (excluded by default: peers are never reached there).</summary>
    public bool IncludeLoopback { get; init; }
    /// <summary>Only these interfaces (by name), when set; otherwise every up, multicast-capable one.</summary>
    public IReadOnlyCollection<string>? InterfaceNames { get; init; }
    /// <summary>How often interfaces that come and go, and their addresses, are looked at again.</summary>
    public TimeSpan InterfaceRescanInterval { get; init; } = TimeSpan.FromSeconds(5);
}
