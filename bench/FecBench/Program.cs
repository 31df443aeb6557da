using PeerStorage.Bench;
using System.Diagnostics;
using System.Runtime.InteropServices;
using PeerStorage.Core.Multicast.Fec;

// Micro benchmark of the FEC codec on one core: the field kernel, then encode and decode of a K=64, S=1024 block
// (the multicast imaging geometry). No external anchor: the figures are absolute, so read them against the machine
// line printed first. Each figure is the median of --rounds timed runs of --seconds each, after an untimed warm-up.
const int K = 64, S = 1024;
var rounds = Option("--rounds", 5);
var seconds = Option("--seconds", 1.0);

Console.WriteLine($"PeerStorage FEC bench  {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, {BenchMachine.CpuModel()}, .NET {Environment.Version}, load {BenchMachine.LoadAverage()}");
Console.WriteLine($"kernel: {GaloisField.Acceleration}; block K={K} x S={S} bytes; {rounds} round(s) of {seconds} s, median; one thread");

var random = new Random(12345);
var block = new byte[K * S];
random.NextBytes(block);
var code = new CauchyCode(K, S);

// The kernel on one symbol (src and dst stay in L1, as in the codec), the coefficient varying like in a real block.
var src = block.AsSpan(0, S).ToArray();
var dst = new byte[S];
var coefficient = 0;
Report("MultiplyAdd (1 KiB spans)", "GB/s", S / 1e9, () => GaloisField.MultiplyAdd((byte)(1 + coefficient++ % 255), src, dst));

// Encode: bytes of repair produced per second, i.e. repair symbols per second * S (each costs K kernel passes).
var repair = new byte[S];
var repairIndex = 0;
Report("encode (repair symbols/s * S)", "MB/s", S / 1e6, () => code.EncodeRepair(block, repairIndex++ % code.MaxRepairCount, repair));

foreach (var losses in new[] { 1, 4, 16 })
{
    var lost = Enumerable.Range(0, K).OrderBy(_ => random.Next()).Take(losses).ToHashSet();
    var present = Enumerable.Range(0, K).Select(i => !lost.Contains(i)).ToArray();
    var indices = Enumerable.Range(0, code.MaxRepairCount).OrderBy(_ => random.Next()).Take(losses).ToArray();
    var repairs = new byte[losses * S];
    for (var j = 0; j < losses; j++) code.EncodeRepair(block, indices[j], repairs.AsSpan(j * S, S));
    var received = (byte[])block.Clone();
    foreach (var i in lost) received.AsSpan(i * S, S).Clear();
    code.Decode(received, present, indices, repairs);
    if (!received.AsSpan().SequenceEqual(block)) throw new InvalidOperationException($"decode with {losses} losses did not rebuild the block");
    // Decoding again over the rebuilt block does the same work (the missing symbols are overwritten), so it loops.
    Report($"decode, {losses,2} lost (blocks/s * K*S)", "MB/s", K * S / 1e6, () => code.Decode(received, present, indices, repairs));
}

void Report(string name, string unit, double unitsPerCall, Action call)
{
    call(); // first call: JIT, lazily allocated scratch
    Measure(call, 0.3);
    var speeds = new List<double>();
    var allocated = GC.GetAllocatedBytesForCurrentThread();
    long calls = 0;
    for (var round = 0; round < rounds; round++)
    {
        var (n, elapsed) = Measure(call, seconds);
        calls += n;
        speeds.Add(n * unitsPerCall / elapsed);
    }
    allocated = GC.GetAllocatedBytesForCurrentThread() - allocated;
    speeds.Sort();
    Console.WriteLine($"{name,-36} {speeds[speeds.Count / 2],9:0.00} {unit}   (min {speeds[0]:0.00}, max {speeds[^1]:0.00}; {allocated / (double)calls:0.0} bytes allocated per call)");
}

static (long Calls, double Seconds) Measure(Action call, double seconds)
{
    // Batches of calls between clock reads, so reading the clock costs nothing measurable.
    long calls = 0;
    var watch = Stopwatch.StartNew();
    do
    {
        for (var i = 0; i < 64; i++) call();
        calls += 64;
    } while (watch.Elapsed.TotalSeconds < seconds);
    return (calls, watch.Elapsed.TotalSeconds);
}

T Option<T>(string name, T fallback) where T : IParsable<T>
{
    var at = Array.IndexOf(args, name);
    return at >= 0 && at + 1 < args.Length ? T.Parse(args[at + 1], null) : fallback;
}

