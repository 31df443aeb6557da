namespace PeerStorage.Core.Discovery;

/// <summary>
/// A DNS-SD service instance to announce: "<see cref="InstanceName"/>.<see cref="ServiceType"/>.local" served by
/// "<see cref="HostName"/>.local" on <see cref="Port"/>, with TXT key/value pairs.
/// </summary>
public sealed record MdnsServiceRegistration
{
    /// <summary>The instance label people see, e.g. the node name. Any UTF-8 up to 63 bytes, dots included.</summary>
    public required string InstanceName { get; init; }
    /// <summary>"_service._tcp" or "_service._udp", without ".local".</summary>
    public string ServiceType { get; init; } = PeerStorageService.ServiceType;
    /// <summary>The host label (without ".local"); defaults to this machine's name made DNS-safe.</summary>
    public string? HostName { get; init; }
    public required int Port { get; init; }
    /// <summary>TXT pairs; a null value is a key without "=" (a flag).</summary>
    public IReadOnlyDictionary<string, string?> Txt { get; init; } = new Dictionary<string, string?>();
}
