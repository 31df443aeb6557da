namespace PeerStorage;

/// <summary>Where information about a peer came from.</summary>
public enum PeerInfoSource
{
    /// <summary>This node's cache of earlier discoveries.</summary>
    Cache,
    /// <summary>mDNS/DNS-SD on the local link.</summary>
    Mdns,
    /// <summary>The directory server.</summary>
    Directory,
    /// <summary>Given by the admin (Add-PeerTrust -Address).</summary>
    Configured,
}

/// <summary>Another node, as discovery or the directory knows it.</summary>
public sealed class PeerNodeInfo
{
    /// <summary>The peer's node id.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>The peer's name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Addresses it can be reached at.</summary>
    public string[] Addresses { get; init; } = [];
    /// <summary>Its TCP port.</summary>
    public int Port { get; init; }
    /// <summary>The fleet it says it belongs to (a claim until its certificate is checked on connect).</summary>
    public string? FleetId { get; init; }
    /// <summary>Storage it offers to peers, in bytes.</summary>
    public long OfferedBytes { get; init; }
    /// <summary>The peer protocol version it speaks.</summary>
    public int ProtocolVersion { get; init; }
    /// <summary>Where this information came from.</summary>
    public PeerInfoSource Source { get; init; }
    /// <summary>When it was last seen.</summary>
    public DateTimeOffset LastSeen { get; init; }
}

/// <summary>The result of Test-PeerConnection: an authenticated round trip to a peer.</summary>
public sealed class PeerConnectionTest
{
    /// <summary>The peer tested.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>Its name, as it answered.</summary>
    public string Name { get; init; } = "";
    /// <summary>The address that answered.</summary>
    public string Address { get; init; } = "";
    /// <summary>Whether an authenticated session was opened and answered.</summary>
    public bool Success { get; init; }
    /// <summary>Round trip of an authenticated request.</summary>
    public TimeSpan RoundTrip { get; init; }
    /// <summary>The TLS version negotiated.</summary>
    public string TlsProtocol { get; init; } = "";
    /// <summary>How this node trusts the peer: Pinned or Fleet.</summary>
    public string TrustedBy { get; init; } = "";
    /// <summary>Why it failed, if it did.</summary>
    public string? Error { get; init; }
}

/// <summary>An entry in a directory server: where a node can be reached.</summary>
public sealed class PeerDirectoryEntry
{
    /// <summary>The registered node.</summary>
    public string NodeId { get; init; } = "";
    /// <summary>Its name.</summary>
    public string Name { get; init; } = "";
    /// <summary>The addresses it registered (plus the one it registered from).</summary>
    public string[] Addresses { get; init; } = [];
    /// <summary>Its port.</summary>
    public int Port { get; init; }
    /// <summary>Its fleet, from its certificate.</summary>
    public string? FleetId { get; init; }
    /// <summary>When it first registered.</summary>
    public DateTimeOffset Registered { get; init; }
    /// <summary>When it last refreshed its entry.</summary>
    public DateTimeOffset LastSeen { get; init; }
}
