namespace PeerStorage.Core.Discovery.Dns;

/// <summary>A packet is not a well-formed DNS message. The decoder throws nothing else for any input.</summary>
public sealed class DnsFormatException(string message) : Exception(message);
