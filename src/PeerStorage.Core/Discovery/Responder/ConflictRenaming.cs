using System.Text.RegularExpressions;

namespace PeerStorage.Core.Discovery.Responder;

/// <summary>
/// New names after a conflict, in the forms people expect from Bonjour and avahi: an instance "Name" becomes
/// "Name (2)", then "Name (3)"; a host "name" becomes "name-2", then "name-3".
/// </summary>
internal static partial class ConflictRenaming
{
    public static string NextInstanceName(string name)
    {
        var match = InstanceSuffix().Match(name);
        var (stem, number) = match.Success ? (match.Groups[1].Value, int.Parse(match.Groups[2].Value) + 1) : (name, 2);
        return Fit($"{stem}", $" ({number})");
    }

    public static string NextHostName(string name)
    {
        var match = HostSuffix().Match(name);
        var (stem, number) = match.Success ? (match.Groups[1].Value, int.Parse(match.Groups[2].Value) + 1) : (name, 2);
        return Fit(stem, $"-{number}");
    }

    // A label holds 63 bytes: shorten the stem, not the number, so renaming always makes progress.
    private static string Fit(string stem, string suffix)
    {
        while (System.Text.Encoding.UTF8.GetByteCount(stem + suffix) > 63 && stem.Length > 0) stem = stem[..^1];
        return stem + suffix;
    }

    [GeneratedRegex(@"^(.*) \(([0-9]{1,6})\)$")]
    private static partial Regex InstanceSuffix();

    [GeneratedRegex(@"^(.*)-([0-9]{1,6})$")]
    private static partial Regex HostSuffix();
}
