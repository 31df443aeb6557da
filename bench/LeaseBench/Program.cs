using PeerStorage.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using PeerStorage.Core.Leasing;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using PeerStorage.Core.Vault;

// A holder writes a file into a lease on a host over loopback: AES-GCM by the holder, a ticket over the mutual-TLS
// session, the sealed bytes on the data channel (AES-GMAC per frame) and a durable vault write, acknowledged when
// on disk. The anchor is dd writing
// the same bytes to the same filesystem with conv=fsync (durable at the end). Rounds alternate; the ratio matters.
Environment.SetEnvironmentVariable("PEERSTORAGE_MDNS", "off"); // no announcements from a bench
var bytes = BenchMath.ParseSize(Option("--bytes") ?? "512MiB");
var rounds = int.Parse(Option("--rounds") ?? "5", CultureInfo.InvariantCulture);
var root = Path.Combine(Option("--dir") ?? "/var/tmp", "peerstorage-lease-bench-" + Guid.NewGuid().ToString("N")[..8]);
Directory.CreateDirectory(root);
try
{
    Console.WriteLine($"PeerStorage lease write bench  {DateTimeOffset.Now:yyyy-MM-dd HH:mm zzz}");
    Console.WriteLine($"machine: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, .NET {Environment.Version}");
    Console.WriteLine($"payload: {bytes >> 20} MiB of random bytes, {rounds} round(s), in {root} ({Run("stat", "-f", "-c", "%T", root).Trim()})");

    var source = Path.Combine(root, "payload.bin");
    await using (var file = File.Create(source))
    {
        var block = new byte[4 << 20];
        for (long done = 0; done < bytes; done += block.Length)
        {
            Random.Shared.NextBytes(block);
            await file.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, bytes - done)));
        }
    }

    using var hostHome = NodeHome.Initialize(Path.Combine(root, "host"), new NodeInitOptions("bench-host", 0));
    using var holderHome = NodeHome.Initialize(Path.Combine(root, "holder"), new NodeInitOptions("bench-holder", 0));
    var stored = LeaseObjectCipher.StoredLength(bytes);
    HiddenPartitions.Create(hostHome, new HiddenPartitionRequest(Path.Combine(root, "vault.psv"), stored + (64L << 20), null, false));
    AvailabilityOffers.Publish(hostHome, stored + (1L << 20), DateTimeOffset.UtcNow.AddDays(1), null);
    await using var host = await NodeRuntime.StartAsync(hostHome);
    new TrustStore(hostHome).Add(holderHome.NodeId, "bench-holder", []);
    new TrustStore(holderHome).Add(hostHome.NodeId, "bench-host", [$"127.0.0.1:{host.Port}"]);
    var lease = await LeaseClient.ClaimAsync(holderHome, hostHome.NodeId, stored + (1L << 20), null, null, CancellationToken.None);

    var ddTarget = Path.Combine(root, "dd.out");
    var dd = new List<double>();
    var ours = new List<double>();
    for (var round = 0; round <= rounds; round++)
    {
        File.Delete(ddTarget);
        var clock = Stopwatch.StartNew();
        Run("dd", $"if={source}", $"of={ddTarget}", "bs=4M", "conv=fsync", "status=none");
        var ddSpeed = bytes / clock.Elapsed.TotalSeconds / (1 << 20);

        if (round > 0) await LeaseClient.DeleteObjectAsync(holderHome, lease.LeaseId, "payload.bin", CancellationToken.None);
        var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
        clock.Restart();
        await LeaseClient.WriteObjectAsync(holderHome, lease.LeaseId, "payload.bin", source, null, CancellationToken.None);
        var ourSpeed = bytes / clock.Elapsed.TotalSeconds / (1 << 20);
        // Both ends are this process: its CPU time per GiB says how much of the two cores the write took.
        var cpuPerGiB = (Process.GetCurrentProcess().TotalProcessorTime - cpuBefore).TotalSeconds / (bytes / (double)(1L << 30));
        if (round == 0) continue; // warm-up: JIT, page cache of the source
        dd.Add(ddSpeed);
        ours.Add(ourSpeed);
        Console.WriteLine($"round {round}: dd {ddSpeed,7:0.0} MiB/s   lease write over loopback {ourSpeed,7:0.0} MiB/s   ratio {ourSpeed / ddSpeed:0.00}   (lease CPU {cpuPerGiB:0.00} s/GiB)");
    }
    Console.WriteLine();
    Console.WriteLine($"median: dd {BenchMath.Median(dd):0.0} MiB/s, lease write {BenchMath.Median(ours):0.0} MiB/s, ratio ours/dd {BenchMath.Median(ours) / BenchMath.Median(dd):0.00} (goal >= 0.70)");
    Console.WriteLine($"median of per-round ratios: {BenchMath.Median(dd.Zip(ours, (d, o) => o / d)):0.00}");
}
finally
{
    try { Directory.Delete(root, recursive: true); } catch (IOException) { }
}

string? Option(string name)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}

static string Run(string program, params string[] arguments)
{
    var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true };
    foreach (var a in arguments) start.ArgumentList.Add(a);
    using var process = Process.Start(start)!;
    var output = process.StandardOutput.ReadToEnd();
    var error = process.StandardError.ReadToEnd();
    process.WaitForExit();
    if (process.ExitCode != 0) throw new InvalidOperationException($"{program} failed: {error}");
    return output;
}

