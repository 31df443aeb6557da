using System.Globalization;

namespace PeerStorage.Bench;

/// <summary>What every benchmark parses and computes the same way (linked into each bench project).</summary>
internal static class BenchMath
{
    /// <summary>"512MiB", "1GiB", "64KiB" or plain bytes.</summary>
    public static long ParseSize(string text)
    {
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10) };
        foreach (var (suffix, factor) in units)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return long.Parse(text[..^suffix.Length], CultureInfo.InvariantCulture) * factor;
        return long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var bytes) ? bytes : throw new ArgumentException($"Not a size: {text}");
    }

    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
