using PeerStorage.Bench;
using System.Runtime.InteropServices;
using PeerStorage.Bench.Transport;
using PeerStorage.Core.Node;
using PeerStorage.Core.Transport;

// Peer transport bulk throughput vs a plain TLS 1.3 socket copy, same bytes, same certificates, same process,
// alternating rounds so that both see the same machine state. The figure that matters is the ratio, and the goal is
// judged on the median of the per-round ratios: each round pairs a plain run with ours a moment apart, so load from
// other processes mostly hits both; the ratio of the two medians can pair a plain run from a quiet moment with one of
// ours from a busy one, and moves with the noise of a shared machine. Both are printed.
var options = BenchOptions.Parse(args);
var home = Path.Combine(Path.GetTempPath(), "peerstorage-bench-" + Guid.NewGuid().ToString("N")[..8]);
try
{
    using var serverIdentity = NodeIdentity.Create(Path.Combine(home, "server"), "bench-server");
    using var clientIdentity = NodeIdentity.Create(Path.Combine(home, "client"), "bench-client");
    var server = TransportCredentials.FromIdentity(serverIdentity, "bench-server");
    var client = TransportCredentials.FromIdentity(clientIdentity, "bench-client");

    Console.WriteLine($"PeerStorage transport bench  {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {BenchMachine.CpuModel()}, .NET {Environment.Version}");
    Console.WriteLine($"payload: {options.Bytes / (1024.0 * 1024):0} MiB per run, {options.Chunk / 1024} KiB writes, {options.Rounds} round(s), stream window {options.Window / 1024} KiB, loopback, mutual TLS 1.3, P-256 certificates");

    // Warm-up: JIT, TLS session setup paths, thread pool.
    var warmup = options with { Bytes = Math.Min(options.Bytes, 64L << 20), Rounds = 1 };
    await PlainTlsCopy.RunAsync(server.Certificate, client.Certificate, warmup);
    await PeerTransportCopy.RunAsync(server, client, warmup);

    var plain = new List<Measurement>();
    var ours = new List<Measurement>();
    for (var round = 1; round <= options.Rounds; round++)
    {
        plain.Add(await PlainTlsCopy.RunAsync(server.Certificate, client.Certificate, options));
        ours.Add(await PeerTransportCopy.RunAsync(server, client, options));
        Console.WriteLine($"round {round}: plain TLS {plain[^1].MiBPerSecond(options.Bytes),7:0.0} MiB/s {plain[^1].CpuSecondsPerGiB(options.Bytes),5:0.00} CPU s/GiB   " +
                          $"peer transport {ours[^1].MiBPerSecond(options.Bytes),7:0.0} MiB/s {ours[^1].CpuSecondsPerGiB(options.Bytes),5:0.00} CPU s/GiB   " +
                          $"ratio {ours[^1].MiBPerSecond(options.Bytes) / plain[^1].MiBPerSecond(options.Bytes):0.00}");
    }

    var plainSpeed = BenchMath.Median(plain.Select(m => m.MiBPerSecond(options.Bytes)));
    var ourSpeed = BenchMath.Median(ours.Select(m => m.MiBPerSecond(options.Bytes)));
    var pairedRatio = BenchMath.Median(plain.Zip(ours, (p, o) => o.MiBPerSecond(options.Bytes) / p.MiBPerSecond(options.Bytes)));
    var plainCpu = BenchMath.Median(plain.Select(m => m.CpuSecondsPerGiB(options.Bytes)));
    var ourCpu = BenchMath.Median(ours.Select(m => m.CpuSecondsPerGiB(options.Bytes)));
    var frames = options.Bytes / Math.Min(options.Chunk, TransportOptions.Default.MaxFramePayload);
    const double goal = 0.80;
    Console.WriteLine();
    Console.WriteLine($"throughput (median): plain TLS {plainSpeed:0.0} MiB/s, peer transport {ourSpeed:0.0} MiB/s, ratio of medians ours/plain {ourSpeed / plainSpeed:0.00}");
    Console.WriteLine($"median of per-round ratios ours/plain: {pairedRatio:0.00} (goal >= {goal:0.00}: {(pairedRatio >= goal ? "met" : "not met")})");
    Console.WriteLine($"CPU per GiB (median, both ends): plain TLS {plainCpu:0.00} s, peer transport {ourCpu:0.00} s, efficiency plain/ours {plainCpu / ourCpu:0.00}");
    Console.WriteLine($"managed allocation during a transport run: {BenchMath.Median(ours.Select(m => (double)m.AllocatedBytes)) / 1024:0} KiB for ~{frames} data frames");
}
finally
{
    try { Directory.Delete(home, recursive: true); } catch (IOException) { }
}

