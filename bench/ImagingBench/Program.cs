using PeerStorage.Bench;
using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using PeerStorage.Bench.Imaging;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

// Multicast imaging against udpcast: the same image, the same N receivers in network namespaces on one bridge,
// one run. Per receiver: MiB/s from the moment every process was started to the moment that receiver holds the whole
// image (ours: verified and written over its target file; udpcast: written). Root only.
//   dotnet run -c Release --project bench/ImagingBench -- [--bytes 512MiB] [--receivers 3] [--rounds 2] [--slow-mbit 200]
if (args.Length > 0 && args[0] == "receive") return await Roles.ReceiveAsync(args[1..]);
if (args.Length > 0 && args[0] == "send") return await Roles.SendAsync(args[1..]);

var bytes = BenchMath.ParseSize(Option("--bytes", "512MiB"));
var receivers = int.Parse(Option("--receivers", "3"), CultureInfo.InvariantCulture);
var rounds = int.Parse(Option("--rounds", "2"), CultureInfo.InvariantCulture);
var slowMbit = int.Parse(Option("--slow-mbit", "0"), CultureInfo.InvariantCulture);
var only = Option("--only", "both"); // ours | udpcast | both: one side alone, for profiling (no ratio)
var work = Directory.CreateTempSubdirectory("pst-imgbench-").FullName;
var self = Environment.ProcessPath!;
var dll = typeof(Roles).Assembly.Location;
try
{
    var image = Path.Combine(work, "image.bin");
    Console.WriteLine($"Image: {bytes / 1048576} MiB of random bytes, {receivers} receivers, {rounds} rounds{(slowMbit > 0 ? $", last receiver policed to {slowMbit} Mbit/s" : "")}");
    WriteRandom(image, bytes);
    var manifest = await ImageManifest.CreateAsync(image);
    manifest.Save(image + ImageManifest.ManifestSuffix);

    using var lab = new BenchLab(receivers);
    var senderHome = Path.Combine(work, "home-srv");
    NodeId senderId;
    using (var h = NodeHome.Initialize(senderHome, new NodeInitOptions("srv"))) senderId = h.NodeId;
    var receiverHomes = lab.Receivers.Select((ns, i) =>
    {
        var home = Path.Combine(work, $"home-r{i + 1}");
        using var h = NodeHome.Initialize(home, new NodeInitOptions($"r{i + 1}"));
        new TrustStore(h).Add(senderId, "srv", []);
        return home;
    }).ToList();
    File.WriteAllText(Path.Combine(work, "lighttpd.conf"), $"""
        server.document-root = "{work}"
        server.bind = "{lab.ServerAddress}"
        server.port = 8080
        server.errorlog = "{work}/lighttpd.err"
        """);
    using var http = BenchLab.Start(lab.Server, "lighttpd", "-D", "-f", Path.Combine(work, "lighttpd.conf"));
    Thread.Sleep(300);
    if (slowMbit > 0) lab.Shape(lab.Receivers[^1], slowMbit);
    var uri = $"http://{lab.ServerAddress}:8080/image.bin";
    Console.WriteLine("Lab ready.");

    var ours = new List<double[]>();
    var theirs = new List<double[]>();
    for (var round = 1; round <= rounds; round++)
    {
        foreach (var f in Directory.GetFiles(work, "out-*")) File.Delete(f);
        if (only != "ours")
        {
            var udp = RunUdpcast(lab, image, work);
            Check(work, manifest.Hash, "udpcast", round == 1, receivers);
            theirs.Add(udp);
            foreach (var f in Directory.GetFiles(work, "out-*")) File.Delete(f);
        }
        if (only != "udpcast")
        {
            var our = RunOurs(lab, senderHome, receiverHomes, image, uri, work, self, dll);
            Check(work, manifest.Hash, "ours", round == 1, receivers);
            ours.Add(our);
        }
        if (only != "both")
        {
            Console.WriteLine($"round {round}: {only} {Rates((only == "ours" ? ours : theirs)[^1], bytes)}");
            continue;
        }
        Console.WriteLine($"round {round}: udpcast {Rates(theirs[^1], bytes)} | ours {Rates(ours[^1], bytes)} | ratio of means {Mean(ours[^1], bytes) / Mean(theirs[^1], bytes):F2}");
    }
    if (only != "both")
    {
        var side = only == "ours" ? ours : theirs;
        Console.WriteLine($"median over rounds of per-receiver mean MiB/s, {only} alone: {side.Select(r => Mean(r, bytes)).Order().ElementAt(rounds / 2):F1}");
        http.Kill();
        return 0;
    }
    var meanOurs = ours.Select(r => Mean(r, bytes)).Order().ElementAt(rounds / 2);
    var meanTheirs = theirs.Select(r => Mean(r, bytes)).Order().ElementAt(rounds / 2);
    Console.WriteLine($"median over rounds of per-receiver mean MiB/s: udpcast {meanTheirs:F1}, ours {meanOurs:F1}, ratio {meanOurs / meanTheirs:F2} (goal >= 2.00)");
    if (slowMbit > 0)
    {
        var fastOurs = ours.Select(r => r[..^1].Select(s => bytes / 1048576.0 / s).Average()).Order().ElementAt(rounds / 2);
        Console.WriteLine($"fast receivers (all but the policed one), ours: {fastOurs:F1} MiB/s; compare with a run without --slow-mbit");
    }
    http.Kill();
    return 0;
}
finally
{
    if (args.Contains("--keep")) Console.WriteLine($"Kept {work}");
    else Directory.Delete(work, recursive: true);
}

double[] RunUdpcast(BenchLab lab, string image, string work)
{
    var clock = Stopwatch.StartNew();
    var procs = lab.Receivers.Select((ns, i) => BenchLab.Start(ns, "udp-receiver", "--interface", "eth0", "--nokbd", "--file",
        Path.Combine(work, $"out-{i + 1}"), "--start-timeout", "20")).ToList();
    using var sender = BenchLab.Start(lab.Server, "udp-sender", "--interface", "eth0", "--file", image, "--nokbd",
        "--min-receivers", lab.Receivers.Count.ToString(CultureInfo.InvariantCulture), "--max-wait", "10", "--start-timeout", "20");
    var times = WaitAll(procs, clock);
    sender.WaitForExit();
    return times;
}

double[] RunOurs(BenchLab lab, string senderHome, List<string> receiverHomes, string image, string uri, string work, string self, string dll)
{
    var launcher = self.EndsWith("dotnet", StringComparison.Ordinal) ? new[] { self, dll } : new[] { self };
    var clock = Stopwatch.StartNew();
    Console.WriteLine($"  ours started {DateTime.UtcNow:HH:mm:ss.fff} UTC");
    using var sender = BenchLab.Start(lab.Server, [.. launcher, "send", senderHome, image, image + ImageManifest.ManifestSuffix, "5"]);
    var procs = lab.Receivers.Select((ns, i) => BenchLab.Start(ns, [.. launcher, "receive", receiverHomes[i], uri, Path.Combine(work, $"out-{i + 1}")])).ToList();
    var times = WaitAll(procs, clock);
    foreach (var p in procs) Console.WriteLine("  " + p.StandardOutput.ReadToEnd().Trim());
    sender.WaitForExit();
    Console.WriteLine("  " + sender.StandardOutput.ReadToEnd().Trim());
    return times;
}

static double[] WaitAll(List<Process> procs, Stopwatch clock)
{
    var times = new double[procs.Count];
    var left = procs.Count;
    var deadline = TimeSpan.FromMinutes(5);
    while (left > 0 && clock.Elapsed < deadline)
    {
        for (var i = 0; i < procs.Count; i++)
            if (times[i] == 0 && procs[i].HasExited)
            {
                times[i] = clock.Elapsed.TotalSeconds;
                left--;
                if (procs[i].ExitCode != 0) Console.WriteLine($"  receiver {i + 1} exited {procs[i].ExitCode}: {procs[i].StandardError.ReadToEnd().Trim()}");
            }
        Thread.Sleep(5);
    }
    if (left > 0) throw new TimeoutException("A receiver did not finish within 5 minutes.");
    return times;
}

static void Check(string work, string hash, string who, bool check, int receivers)
{
    for (var i = 1; i <= receivers; i++)
    {
        var file = Path.Combine(work, $"out-{i}");
        if (!File.Exists(file)) throw new InvalidOperationException($"{who}: receiver {i} wrote no {file}.");
        if (!check) continue;
        using var s = File.OpenRead(file);
        var got = Convert.ToHexStringLower(SHA256.HashData(s));
        if (got != hash) throw new InvalidOperationException($"{who}: {file} hashes to {got}, not {hash}.");
    }
}

static string Rates(double[] seconds, long bytes) => string.Join(" ", seconds.Select(s => $"{bytes / 1048576.0 / s:F1}")) + " MiB/s";
static double Mean(double[] seconds, long bytes) => seconds.Select(s => bytes / 1048576.0 / s).Average();

static void WriteRandom(string path, long bytes)
{
    using var file = File.Create(path);
    var buffer = new byte[4 << 20];
    for (long done = 0; done < bytes; done += buffer.Length)
    {
        RandomNumberGenerator.Fill(buffer);
        file.Write(buffer, 0, (int)Math.Min(buffer.Length, bytes - done));
    }
}

string Option(string name, string fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}

