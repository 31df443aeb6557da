namespace PeerStorage.Bench.Vault;

/// <summary>
/// Command line: --bytes N (how much each run writes, e.g. 1GiB), --chunk N (size of each call the caller makes, and
/// dd's bs), --rounds N, --dir PATH (where both write: must be a real filesystem, not tmpfs), --api writer|write|both
/// (the vault's streaming writer with one Commit at the end, durable Write per call, or both in each round).
/// </summary>
internal sealed record BenchOptions(long Bytes, int Chunk, int Rounds, string Directory, string Api)
{
    public bool RunsWriter => Api is "writer" or "both";
    public bool RunsWrite => Api is "write" or "both";

    public static BenchOptions Parse(string[] args)
    {
        long bytes = 1L << 30;
        var chunk = 4 * 1024 * 1024;
        var rounds = 5;
        string? directory = null;
        var api = "writer";
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--bytes": bytes = ParseSize(args[i + 1]); break;
                case "--chunk": chunk = (int)ParseSize(args[i + 1]); break;
                case "--rounds": rounds = int.Parse(args[i + 1]); break;
                case "--dir": directory = args[i + 1]; break;
                case "--api": api = args[i + 1]; break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Use --bytes, --chunk, --rounds, --dir, --api.");
            }
        }
        if (api is not ("writer" or "write" or "both")) throw new ArgumentException($"--api is writer, write or both, not {api}.");
        if (chunk % 4096 != 0 || chunk <= 0) throw new ArgumentException("--chunk must be a positive multiple of 4 KiB (dd's bs).");
        if (bytes % chunk != 0) throw new ArgumentException("--bytes must be a multiple of --chunk, so dd and the vault write the same bytes.");
        directory ??= Path.Combine("/var/tmp", "peerstorage-vaultbench-" + Guid.NewGuid().ToString("N")[..8]);
        return new BenchOptions(bytes, chunk, rounds, directory, api);
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
