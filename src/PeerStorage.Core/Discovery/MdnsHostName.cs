using System.Text;

namespace PeerStorage.Core.Discovery;

/// <summary>Turns a machine name into a host label that mDNS peers accept: letters, digits and hyphens, at most 63.</summary>
public static class MdnsHostName
{
    private const string Fallback = "peerstorage-node";

    public static string FromMachineName() => Sanitize(Environment.MachineName);

    public static string Sanitize(string name)
    {
        var label = new StringBuilder();
        foreach (var c in name.Split('.')[0])
            label.Append(char.IsAsciiLetterOrDigit(c) ? c : '-');
        var result = label.ToString().Trim('-');
        if (result.Length > 63) result = result[..63].TrimEnd('-');
        return result.Length == 0 ? Fallback : result;
    }
}
