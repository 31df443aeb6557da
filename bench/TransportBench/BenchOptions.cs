using PeerStorage.Bench;
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
                case "--bytes": bytes = BenchMath.ParseSize(args[i + 1]); break;
                case "--chunk": chunk = (int)BenchMath.ParseSize(args[i + 1]); break;
                case "--rounds": rounds = int.Parse(args[i + 1]); break;
                case "--window": window = (int)BenchMath.ParseSize(args[i + 1]); break;
                default: throw new ArgumentException($"Unknown option {args[i]}. Use --bytes, --chunk, --rounds, --window.");
            }
        }
        return new BenchOptions(bytes, chunk, rounds, window);
    }

}
