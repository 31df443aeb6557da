using System.Globalization;
using System.Net;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// A "machine" in the lab: a network namespace with loopback and one interface per bridge it joins. Commands run
/// inside it through "ip netns exec", so a program started here sees only this host's network.
/// </summary>
public sealed class LabHost
{
    private readonly NetworkLab _lab;
    private readonly List<LabInterface> _interfaces = [];

    internal LabHost(NetworkLab lab, string name, string namespaceName, bool isRouter)
    {
        _lab = lab;
        Name = name;
        Namespace = namespaceName;
        IsRouter = isRouter;
    }

    public string Name { get; }
    public string Namespace { get; }
    public bool IsRouter { get; }
    public IReadOnlyList<LabInterface> Interfaces => _interfaces;

    /// <summary>The address on the first bridge the host joined.</summary>
    public IPAddress Address => _interfaces[0].Address;

    public IPAddress AddressOn(LabBridge bridge) =>
        _interfaces.FirstOrDefault(i => i.Bridge == bridge)?.Address ?? throw new ArgumentException($"{Name} is not on {bridge}.");

    public bool IsOn(LabBridge bridge) => _interfaces.Any(i => i.Bridge == bridge);

    /// <summary>The IPv6 link-local address the kernel gave the interface (fe80::…, without a scope).</summary>
    public IPAddress LinkLocalAddress(LabInterface iface)
    {
        var shown = Command.Run(["ip", "-n", Namespace, "-6", "-o", "addr", "show", "dev", iface.Name, "scope", "link"]).EnsureSuccess().Stdout;
        // "2: eth0    inet6 fe80::…/64 scope link …"
        var words = shown.Split([' ', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries);
        var index = Array.IndexOf(words, "inet6");
        if (index < 0 || index + 1 >= words.Length) throw new InvalidOperationException($"{Name} has no link-local address on {iface.Name}: '{shown}'");
        return IPAddress.Parse(words[index + 1].Split('/')[0]);
    }

    internal void AddInterface(LabInterface iface) => _interfaces.Add(iface);

    /// <summary>The command prefixed to run inside this host's namespace.</summary>
    public IReadOnlyList<string> Inside(IEnumerable<string> command) => ["ip", "netns", "exec", Namespace, .. command];

    public CommandResult Run(params string[] command) => Command.Run(Inside(command));

    public Task<CommandResult> RunAsync(TimeSpan timeout, IReadOnlyDictionary<string, string>? environment, params string[] command) =>
        Command.RunAsync(Inside(command), timeout, environment);

    /// <summary>Starts a long-running program here; the lab kills it at the latest when it is disposed.</summary>
    public LabProcess Start(IEnumerable<string> command, IReadOnlyDictionary<string, string>? environment = null, string? label = null)
    {
        var argv = command.ToList();
        return _lab.Track(new LabProcess(label ?? $"{Name}:{Path.GetFileName(argv[0])}", Inside(argv), environment));
    }

    /// <summary>Sends traffic for <paramref name="destination"/> (CIDR) through <paramref name="via"/>.</summary>
    public void AddRoute(string destination, IPAddress via) =>
        Command.Run(["ip", "-n", Namespace, "route", "replace", destination, "via", via.ToString()]).EnsureSuccess();

    /// <summary>
    /// Drops this share of the packets arriving at this host (not on loopback), at random, with nftables
    /// (tc netem is not available in every kernel). Zero removes the loss.
    /// </summary>
    public void SetIncomingLoss(int percent)
    {
        if (percent is < 0 or > 100) throw new ArgumentOutOfRangeException(nameof(percent));
        Command.Run(["ip", "netns", "exec", Namespace, "nft", "delete", "table", "inet", "pstlab"]); // absent the first time
        if (percent == 0) return;
        var rules = string.Create(CultureInfo.InvariantCulture, $$"""
            table inet pstlab {
              chain input {
                type filter hook input priority 0; policy accept;
                iifname "lo" accept
                numgen random mod 100 < {{percent}} drop
              }
            }
            """);
        var file = Path.Combine(_lab.ScratchDirectory, $"loss-{Name}.nft");
        File.WriteAllText(file, rules);
        Command.Run(["ip", "netns", "exec", Namespace, "nft", "-f", file]).EnsureSuccess();
    }

    /// <summary>
    /// Polices the traffic arriving at this host (or, with <paramref name="outgoing"/>, leaving it) to a rate with
    /// nftables: what exceeds it is dropped, as a slow link or a slow machine would. Zero removes the limit.
    /// </summary>
    public void SetRateLimit(int megabytesPerSecond, bool outgoing = false)
    {
        var table = outgoing ? "pstrateout" : "pstratein";
        Command.Run(["ip", "netns", "exec", Namespace, "nft", "delete", "table", "inet", table]); // absent the first time
        if (megabytesPerSecond == 0) return;
        var rules = string.Create(CultureInfo.InvariantCulture, $$"""
            table inet {{table}} {
              chain filter {
                type filter hook {{(outgoing ? "output" : "input")}} priority 0; policy accept;
                {{(outgoing ? "oifname" : "iifname")}} "lo" accept
                limit rate over {{megabytesPerSecond}} mbytes/second burst 1 mbytes drop
              }
            }
            """);
        var file = Path.Combine(_lab.ScratchDirectory, $"{table}-{Name}.nft");
        File.WriteAllText(file, rules);
        Command.Run(["ip", "netns", "exec", Namespace, "nft", "-f", file]).EnsureSuccess();
    }

    public override string ToString() => $"{Name} ({Namespace}: {string.Join(", ", _interfaces)})";
}
