using System.Globalization;
using System.Net;

namespace PeerStorage.Core.Platform;

/// <summary>"host", "host:port", "1.2.3.4:port", "[v6]:port" or a bare IPv6 address, as admins write them.</summary>
public readonly record struct HostPort(string Host, int Port)
{
    public static HostPort Parse(string text, int defaultPort)
    {
        text = text.Trim();
        if (text.StartsWith('['))
        {
            var close = text.IndexOf(']');
            if (close > 0)
            {
                var host = text[1..close];
                var rest = text[(close + 1)..];
                return rest.StartsWith(':') && TryPort(rest[1..], out var p) ? new(host, p) : new(host, defaultPort);
            }
        }
        if (IPAddress.TryParse(text, out var address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6)
            return new(text, defaultPort);
        var colon = text.LastIndexOf(':');
        if (colon > 0 && TryPort(text[(colon + 1)..], out var port)) return new(text[..colon], port);
        if (text.Length == 0)
            throw new PeerStorageException("InvalidAddress", PeerErrorKind.InvalidArgument, "An address is empty.", target: text);
        return new(text, defaultPort);
    }

    private static bool TryPort(string text, out int port) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out port) && port is > 0 and <= 65535;

    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}
