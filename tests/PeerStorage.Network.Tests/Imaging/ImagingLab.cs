using System.Globalization;
using System.Security.Cryptography;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;
using PeerStorage.Network.Tests.Lab;
using PeerStorage.Network.Tests.Peers;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>What Receive-DiskImageMulticast returned on one machine.</summary>
internal sealed record TransferResult(string Role, string State, long BytesFromServer, long BytesFromMulticast, long RejectedBlocks, long ForeignPackets);

/// <summary>
/// An imaging rig: a server host whose lighttpd serves a random image and its manifest, and machines (fleet members,
/// so they trust each other's announcements) that run the imaging cmdlets in their namespaces through the shell, as an
/// admin's deploy script would.
/// </summary>
internal sealed class ImagingLab : IDisposable
{
    public const int ImageBytes = 24 * 1024 * 1024 + 12345; // not a whole number of blocks: the short last block travels too
    private readonly FleetAuthority _fleet;
    private readonly LabProcess _http;
    private readonly string _accessLog;

    public ImagingLab()
    {
        Lab = new NetworkLab();
        try
        {
            Lan = Lab.AddBridge();
            _fleet = FleetAuthority.Create(Path.Combine(Lab.ScratchDirectory, "lab.fleet"), "lab", null);
            Server = Lab.AddHost("srv", Lan);
            var www = Path.Combine(Lab.ScratchDirectory, "www");
            Directory.CreateDirectory(www);
            ImagePath = Path.Combine(www, "image.bin");
            var bytes = new byte[ImageBytes];
            new Random(1234).NextBytes(bytes);
            File.WriteAllBytes(ImagePath, bytes);
            Manifest = ImageManifest.CreateAsync(ImagePath).GetAwaiter().GetResult();
            Manifest.Save(ImagePath + ImageManifest.ManifestSuffix);
            _accessLog = Path.Combine(Lab.ScratchDirectory, "access.log");
            var config = Path.Combine(Lab.ScratchDirectory, "lighttpd.conf");
            File.WriteAllText(config, $"""
                server.document-root = "{www}"
                server.bind = "{Server.Address}"
                server.port = 8080
                server.errorlog = "{Path.Combine(Lab.ScratchDirectory, "lighttpd.err")}"
                server.modules = ("mod_accesslog")
                accesslog.filename = "{_accessLog}"
                accesslog.format = "%s %b %U"
                """);
            _http = Server.Start(["lighttpd", "-D", "-f", config], label: "srv:lighttpd");
            WaitForServer();
        }
        catch
        {
            Lab.Dispose();
            throw;
        }
    }

    public NetworkLab Lab { get; }
    public LabBridge Lan { get; }
    public LabHost Server { get; }
    public string ImagePath { get; }
    public ImageManifest Manifest { get; }
    public Uri ImageUri => new($"http://{Server.Address}:8080/image.bin");

    /// <summary>A machine on the link with its node home, in the fleet (or not: a stranger nobody trusts).</summary>
    public LabNode AddMachine(string name, bool inFleet = true) => LabNode.Create(Lab, Lab.AddHost(name, Lan), inFleet ? _fleet : null);

    public string TargetOf(LabNode node) => Path.Combine(Lab.ScratchDirectory, $"target-{node.Host.Name}.img");

    /// <summary>Starts Receive-DiskImageMulticast on a machine; <see cref="ResultAsync"/> waits for what it returns.</summary>
    public LabProcess StartReceive(LabNode node, string? target = null, string extra = "") => Shell(node,
        $"$t = Receive-DiskImageMulticast -NodePath $node -Uri '{ImageUri}' -Target '{target ?? TargetOf(node)}' -Hash {Manifest.Hash} -Interface eth0 -Force {extra}; " +
        "\"RESULT|$($t.Role)|$($t.State)|$($t.BytesFromServer)|$($t.BytesFromMulticast)|$($t.RejectedBlocks)|$($t.ForeignPackets)\"");

    /// <summary>Starts Send-DiskImageMulticast of the server's image file on a machine (which can read the shared scratch folder).</summary>
    public LabProcess StartSend(LabNode node, string extra = "") => Shell(node,
        $"$s = Send-DiskImageMulticast -NodePath $node -Path '{ImagePath}' -Manifest '{ImagePath}{ImageManifest.ManifestSuffix}' -Interface eth0 {extra}; " +
        "\"SENT|$($s.State)|$($s.Receivers)|$($s.ReceiversComplete)|$($s.ReceiversEvicted)|$($s.RepairSymbolsSent)\"");

    /// <summary>The tail of a machine's node log, for failure messages.</summary>
    public static string LogOf(LabNode node, int lines = 40)
    {
        var directory = Path.Combine(node.Home, "logs");
        if (!Directory.Exists(directory)) return "(no log)";
        var all = Directory.GetFiles(directory).OrderBy(f => f).SelectMany(File.ReadAllLines).ToList();
        return $"{node.Host.Name} log:\n" + string.Join('\n', all.TakeLast(lines));
    }

    public LabProcess Shell(LabNode node, string script) =>
        node.Host.Start([Programs.Dotnet, Programs.Shell, "-Command", "$node = '" + node.Home.Replace("'", "''") + "'; " + script],
            Programs.LabEnvironment, $"{node.Host.Name}:shell");

    public static async Task<TransferResult> ResultAsync(LabProcess process, TimeSpan timeout)
    {
        var line = await process.WaitForLineAsync(l => l.StartsWith("RESULT|", StringComparison.Ordinal), timeout, "the transfer's result");
        var f = line.Split('|');
        return new TransferResult(f[1], f[2], long.Parse(f[3], CultureInfo.InvariantCulture), long.Parse(f[4], CultureInfo.InvariantCulture),
            long.Parse(f[5], CultureInfo.InvariantCulture), long.Parse(f[6], CultureInfo.InvariantCulture));
    }

    public static async Task<string[]> SentAsync(LabProcess process, TimeSpan timeout) =>
        (await process.WaitForLineAsync(l => l.StartsWith("SENT|", StringComparison.Ordinal), timeout, "the session's result")).Split('|');

    /// <summary>The status a machine's running transfer keeps (null until it has written one).</summary>
    public DiskImageTransfer? StatusOf(LabNode node)
    {
        using var home = NodeHome.Open(node.Home, "Test");
        return ImagingStatusStore.Transfers(home, Manifest.Hash).FirstOrDefault();
    }

    public DiskImageSession? SessionOf(LabNode node)
    {
        using var home = NodeHome.Open(node.Home, "Test");
        return ImagingStatusStore.Sessions(home, Manifest.Hash).FirstOrDefault();
    }

    public async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting until {what}.");
            await Task.Delay(100);
        }
    }

    /// <summary>The SHA-256 of the first image-size bytes of a target (a file or a device).</summary>
    public string HashOf(string target)
    {
        using var stream = File.OpenRead(target);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 20];
        long left = Manifest.Size;
        while (left > 0)
        {
            var n = stream.Read(buffer, 0, (int)Math.Min(buffer.Length, left));
            if (n == 0) break;
            sha.AppendData(buffer, 0, n);
            left -= n;
        }
        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    /// <summary>Image bytes the server sent (its access log, read after stopping it so every line is written).</summary>
    public async Task<long> ImageBytesServedAsync()
    {
        await _http.StopAsync(TimeSpan.FromSeconds(5));
        return File.ReadAllLines(_accessLog).Select(l => l.Split(' ')).Where(f => f[2] == "/image.bin" && f[1] != "-").Sum(f => long.Parse(f[1], CultureInfo.InvariantCulture));
    }

    private void WaitForServer()
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Server.Run("bash", "-c", $"echo > /dev/tcp/{Server.Address}/8080").ExitCode != 0)
        {
            if (DateTime.UtcNow > deadline || _http.HasExited) throw new InvalidOperationException($"lighttpd did not start: {_http.Describe()}");
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        _fleet.Dispose();
        Lab.Dispose();
    }
}
