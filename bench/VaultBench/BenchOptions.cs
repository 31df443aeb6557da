using PeerStorage.Bench;
namespace PeerStorage.Bench.Vault;

/// <summary>
/// Command line: --bytes N (how much each run writes, e.g. 1GiB), --chunk N (size of each call the caller makes, and
/// dd's bs), --rounds N, --dir PATH (where both write: must be a real filesystem, not tmpfs), --api writer|write|both
/// (the vault's streaming writer with one Commit at the end, durable Write per call, or both in each round),
/// --anchor fsync|direct (dd conv=fsync: through the page cache, one fsync at the end; or dd oflag=direct conv=fsync:
/// around the page cache, each block written to the device before the next), --files reuse|new (both sides overwrite
/// their own file from the round before, or each round writes new files and deletes them: then the filesystem's
/// allocation, and here its online discard of the deleted gigabyte, take part in the measurement).
/// </summary>
internal sealed record BenchOptions(long Bytes, int Chunk, int Rounds, string Directory, string Api, string Anchor, string Files)
{
    public bool RunsWriter => Api is "writer" or "both";
    public bool RunsWrite => Api is "write" or "both";
    public bool ReusesFiles => Files == "reuse";

    public static BenchOptions Parse(string[] args)
    {
        long bytes = 1L << 30;
        var chunk = 4 * 1024 * 1024;
        var rounds = 5;
        string? directory = null;
        var api = "writer";
        var anchor = "fsync";
        var files = "reuse";
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--bytes": bytes = BenchMath.ParseSize(args[i + 1]); break;
                case "--chunk": chunk = (int)BenchMath.ParseSize(args[i + 1]); break;
                case "--rounds": rounds = int.Parse(args[i + 1]); break;
                case "--dir": directory = args[i + 1]; break;
                case "--api": api = args[i + 1]; break;
                case "--anchor": anchor = args[i + 1]; break;
                case "--files": files = args[i + 1]; break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Use --bytes, --chunk, --rounds, --dir, --api, --anchor, --files.");
            }
        }
        if (api is not ("writer" or "write" or "both")) throw new ArgumentException($"--api is writer, write or both, not {api}.");
        if (anchor is not ("fsync" or "direct")) throw new ArgumentException($"--anchor is fsync or direct, not {anchor}.");
        if (files is not ("reuse" or "new")) throw new ArgumentException($"--files is reuse or new, not {files}.");
        if (chunk % 4096 != 0 || chunk <= 0) throw new ArgumentException("--chunk must be a positive multiple of 4 KiB (dd's bs).");
        if (bytes % chunk != 0) throw new ArgumentException("--bytes must be a multiple of --chunk, so dd and the vault write the same bytes.");
        directory ??= Path.Combine("/var/tmp", "peerstorage-vaultbench-" + Guid.NewGuid().ToString("N")[..8]);
        return new BenchOptions(bytes, chunk, rounds, directory, api, anchor, files);
    }

}
