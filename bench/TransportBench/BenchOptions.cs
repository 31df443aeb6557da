namespace PeerStorage.Bench.Transport;

/// <summary>
/// Command line: --bytes N (how much each run sends, e.g. 1GiB), --chunk N (size of each write), --rounds N,
/// --window N (the transport's per-stream flow-control window; default: the transport's default).
/// </summary>
internal sealed record BenchOptions(long Bytes, int Chunk, int Rounds, int Window)
{
    public static BenchOptions Parse(string[] args)
    {
        long bytes = 1L << 30;
        var chunk = 256 * 1024;
        var rounds = 3;
        var window = PeerStorage.Core.Transport.TransportOptions.Default.InitialStreamWindow;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--bytes": bytes = ParseSize(args[i + 1]); break;
                case "--chunk": chunk = (int)ParseSize(args[i + 1]); break;
                case "--rounds": rounds = int.Parse(args[i + 1]); break;
                case "--window": window = (int)ParseSize(args[i + 1]); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Use --bytes, --chunk, --rounds, --window.");
            }
        }
        return new BenchOptions(bytes, chunk, rounds, window);
    }

    private static long ParseSize(string text)
    {
        var units = new (string Suffix, long Factor)[] { ("GiB", 1L << 30), ("MiB", 1L << 20), ("KiB", 1L << 10), ("", 1) };
        foreach (var (suffix, factor) in units)
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
                return long.Parse(text[..^suffix.Length]) * factor;
        throw new ArgumentException($"Not a size: {text}");
    }
}
