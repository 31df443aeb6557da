using System.Diagnostics;

namespace PeerStorage.Bench.Imaging;

/// <summary>
/// A server namespace and N receiver namespaces on one bridge (10.232.0.0/24, in its own switch namespace), removed
/// on dispose. Only addresses inside these namespaces are used.
/// </summary>
internal sealed class BenchLab : IDisposable
{
    private readonly string _prefix = $"pib{Environment.ProcessId % 100000}";
    private readonly List<string> _namespaces = [];

    public BenchLab(int receivers)
    {
        var sw = Create("sw");
        Run("ip", "-n", sw, "link", "add", "br0", "type", "bridge", "mcast_snooping", "0");
        Run("ip", "-n", sw, "link", "set", "br0", "up");
        Server = AddHost("srv", 1);
        for (var i = 0; i < receivers; i++) Receivers.Add(AddHost($"r{i + 1}", 11 + i));
    }

    public string Server { get; }
    public string ServerAddress => "10.232.0.1";
    public List<string> Receivers { get; } = [];

    private string Create(string name)
    {
        var ns = $"{_prefix}-{name}";
        Run("ip", "netns", "add", ns);
        _namespaces.Add(ns);
        Run("ip", "-n", ns, "link", "set", "lo", "up");
        return ns;
    }

    private string AddHost(string name, int number)
    {
        var ns = Create(name);
        var sw = _namespaces[0];
        Run("ip", "-n", sw, "link", "add", $"v{name}", "type", "veth", "peer", "name", "eth0", "netns", ns);
        Run("ip", "-n", sw, "link", "set", $"v{name}", "master", "br0", "up");
        Run("ip", "-n", ns, "addr", "add", $"10.232.0.{number}/24", "brd", "+", "dev", "eth0"); // udpcast sends to the broadcast address
        Run("ip", "-n", ns, "link", "set", "eth0", "up");
        Run("ip", "-n", ns, "route", "add", "224.0.0.0/4", "dev", "eth0");
        return ns;
    }

    /// <summary>Polices what arrives at a namespace to a rate, with nftables (tc netem/tbf need not exist).</summary>
    public void Shape(string ns, int megabitsPerSecond)
    {
        var file = Path.GetTempFileName();
        File.WriteAllText(file, $$"""
            table inet pibshape {
              chain input {
                type filter hook input priority 0; policy accept;
                iifname "lo" accept
                limit rate over {{megabitsPerSecond / 8}} mbytes/second burst 2 mbytes drop
              }
            }
            """);
        Run("ip", "netns", "exec", ns, "nft", "-f", file);
        File.Delete(file);
    }

    public void Unshape(string ns) => Run("ip", "netns", "exec", ns, "nft", "delete", "table", "inet", "pibshape");

    public static Process Start(string ns, params string[] command)
    {
        var info = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in (string[])["netns", "exec", ns, .. command]) info.ArgumentList.Add(a);
        return Process.Start(info)!;
    }

    public static void Run(params string[] command)
    {
        var info = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in command.Skip(1)) info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var err = p.StandardError.ReadToEnd();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{string.Join(' ', command)}: {err.Trim()}");
    }

    public void Dispose()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            try { Run("ip", "netns", "pids", ns); } catch (InvalidOperationException) { }
            try { Run("ip", "netns", "del", ns); } catch (InvalidOperationException) { }
        }
    }
}
