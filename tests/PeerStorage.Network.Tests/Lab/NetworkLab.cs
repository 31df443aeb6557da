using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;

namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// A private network made of Linux network namespaces: hosts (one namespace each) joined by bridges that live in a
/// separate "switch" namespace, so nothing is added to the machine's own network. Addresses are 10.231.N.x/24 and/or
/// fd00:231:N::x/64 (see <see cref="LabAddressing"/>), one N per bridge, besides each interface's automatic IPv6
/// link-local address; each host gets an IPv4 multicast route on its first interface; routers forward IPv4 between
/// their bridges.
/// Everything is named "pst-&lt;pid&gt;-&lt;lab&gt;-…" and removed on <see cref="Dispose"/>; namespaces left by a crashed
/// run (their pid is gone) are removed when the next lab is created.
/// </summary>
/// <example>
/// <code>
/// using var lab = new NetworkLab();
/// var lan = lab.AddBridge();
/// var a = lab.AddHost("a", lan);
/// var b = lab.AddHost("b", lan);
/// a.Run("ping", "-c1", b.Address.ToString());
/// </code>
/// </example>
public sealed class NetworkLab : IDisposable
{
    public const string Prefix = "pst-";
    private static int _labCount;
    private static int _staleCleaned;

    private readonly List<LabBridge> _bridges = [];
    private readonly List<LabHost> _hosts = [];
    private readonly List<LabProcess> _processes = [];
    private readonly object _gate = new();
    private readonly string _switchNamespace;
    private bool _disposed;

    public NetworkLab()
    {
        if (UnavailableReason is { } reason) throw new InvalidOperationException(reason);
        if (Interlocked.Exchange(ref _staleCleaned, 1) == 0) RemoveStaleNamespaces();
        Id = string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessId}-{Interlocked.Increment(ref _labCount)}");
        ScratchDirectory = Directory.CreateTempSubdirectory($"{Prefix}{Id}-").FullName;
        _switchNamespace = $"{Prefix}{Id}-sw";
        try
        {
            CreateNamespace(_switchNamespace);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Why labs cannot run here (not Linux, not root, no iproute2), or null when they can.</summary>
    public static string? UnavailableReason { get; } = FindUnavailableReason();

    /// <summary>"&lt;pid&gt;-&lt;n&gt;": part of every name the lab creates.</summary>
    public string Id { get; }
    /// <summary>A directory for configuration files and sockets, removed with the lab.</summary>
    public string ScratchDirectory { get; }
    public IReadOnlyList<LabHost> Hosts => _hosts;
    public IReadOnlyList<LabBridge> Bridges => _bridges;

    /// <summary>
    /// A new bridge with its own /24 (10.231.1.0/24 first, then .2, …) and /64 (fd00:231:1::/64, …); hosts on it get
    /// the addresses <paramref name="addressing"/> says.
    /// </summary>
    public LabBridge AddBridge(LabAddressing addressing = LabAddressing.IPv4)
    {
        var bridge = new LabBridge($"br{_bridges.Count}", _bridges.Count + 1, addressing);
        // Snooping off: the bridge then floods every multicast group, as a plain switch does.
        Ip("-n", _switchNamespace, "link", "add", bridge.DeviceName, "type", "bridge", "mcast_snooping", "0");
        Ip("-n", _switchNamespace, "link", "set", bridge.DeviceName, "up");
        _bridges.Add(bridge);
        return bridge;
    }

    /// <summary>A host with one interface (eth0, eth1, …) on each bridge, in that order.</summary>
    public LabHost AddHost(string name, params LabBridge[] bridges) => AddMachine(name, bridges, isRouter: false);

    /// <summary>A host that forwards IPv4 between its bridges. See <see cref="RouteThrough"/>.</summary>
    public LabHost AddRouter(string name, params LabBridge[] bridges) => AddMachine(name, bridges, isRouter: true);

    /// <summary>
    /// Gives every other host a route, through <paramref name="router"/>, to each of the router's subnets it is not
    /// on itself, so hosts on different bridges reach each other (multicast stays on its bridge, as on real LANs).
    /// </summary>
    public void RouteThrough(LabHost router)
    {
        foreach (var host in _hosts.Where(h => h != router))
        {
            var shared = router.Interfaces.FirstOrDefault(i => host.IsOn(i.Bridge))
                ?? throw new InvalidOperationException($"{host.Name} shares no bridge with router {router.Name}.");
            if (shared.IPv4Address is null) continue; // IPv4 routing only
            foreach (var other in router.Interfaces.Where(i => !host.IsOn(i.Bridge) && i.IPv4Address is not null))
                host.AddRoute(other.Bridge.Subnet, shared.IPv4Address);
        }
    }

    private LabHost AddMachine(string name, LabBridge[] bridges, bool isRouter)
    {
        if (bridges.Length == 0) throw new ArgumentException("A host needs at least one bridge.", nameof(bridges));
        if (_hosts.Any(h => h.Name == name)) throw new ArgumentException($"The lab already has a host named {name}.", nameof(name));
        var host = new LabHost(this, name, $"{Prefix}{Id}-{name}", isRouter);
        CreateNamespace(host.Namespace);
        _hosts.Add(host);
        // Without duplicate address detection, IPv6 link-local addresses are usable at once.
        Sysctl(host, "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0");
        if (isRouter) Sysctl(host, "net.ipv4.ip_forward=1");
        Ip("-n", host.Namespace, "link", "set", "lo", "up");
        foreach (var bridge in bridges) Connect(host, bridge);
        // Multicast leaves by the first interface unless a program picks one (as mDNS does per interface).
        Ip("-n", host.Namespace, "route", "add", "224.0.0.0/4", "dev", "eth0");
        return host;
    }

    /// <summary>
    /// Plugs a host into one more bridge (the next ethN), also while programs run there, as a cable plugged in
    /// would. Returns the new interface.
    /// </summary>
    public LabInterface Connect(LabHost host, LabBridge bridge)
    {
        var index = host.Interfaces.Count;
        var inside = $"eth{index}";
        var outside = $"h{_hosts.IndexOf(host) + 1}i{index}"; // unique in the switch namespace, short enough for IFNAMSIZ
        Ip("-n", _switchNamespace, "link", "add", outside, "type", "veth", "peer", "name", inside, "netns", host.Namespace);
        Ip("-n", _switchNamespace, "link", "set", outside, "master", bridge.DeviceName, "up");
        var number = host.IsRouter ? RouterHostNumber(bridge) : bridge.NextHostNumber();
        var v4 = bridge.HasIPv4 ? bridge.IPv4Address(number) : null;
        var v6 = bridge.HasIPv6 ? bridge.IPv6Address(number) : null;
        if (v4 is not null) Ip("-n", host.Namespace, "addr", "add", $"{v4}/{LabBridge.PrefixLength}", "brd", "+", "dev", inside); // with a broadcast address, as DHCP gives
        // nodad: usable at once (accept_dad is off too, but only for interfaces made after the host's sysctl).
        if (v6 is not null) Ip("-n", host.Namespace, "-6", "addr", "add", $"{v6}/{LabBridge.IPv6PrefixLength}", "dev", inside, "nodad");
        Ip("-n", host.Namespace, "link", "set", inside, "up");
        var iface = new LabInterface(inside, bridge, v4, v6);
        host.AddInterface(iface);
        return iface;
    }

    // A router takes .1 (::1) on its bridges, the conventional gateway address.
    private int RouterHostNumber(LabBridge bridge)
    {
        var gatewayTaken = _hosts.Any(h => h.Interfaces.Any(i => i.Bridge == bridge && i.Address.Equals(bridge.HasIPv4 ? bridge.IPv4Address(1) : bridge.IPv6Address(1))));
        return gatewayTaken ? bridge.NextHostNumber() : 1;
    }

    internal LabProcess Track(LabProcess process)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                process.Dispose();
                throw new ObjectDisposedException(nameof(NetworkLab));
            }
            _processes.Add(process);
        }
        return process;
    }

    /// <summary>Stops every process, kills whatever still runs in the namespaces, deletes them and the scratch directory.</summary>
    public void Dispose()
    {
        List<LabProcess> processes;
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            processes = _processes.ToList();
        }
        foreach (var process in processes) process.Dispose();
        foreach (var name in _hosts.Select(h => h.Namespace).Append(_switchNamespace)) DeleteNamespace(name);
        try
        {
            Directory.Delete(ScratchDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>Removes "pst-" namespaces whose creating process is gone (a crashed or killed test run).</summary>
    public static void RemoveStaleNamespaces()
    {
        foreach (var name in ListNamespaces().Where(n => n.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            var pidText = name[Prefix.Length..].Split('-')[0];
            var alive = int.TryParse(pidText, NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && Directory.Exists($"/proc/{pid}");
            if (!alive) DeleteNamespace(name);
        }
        foreach (var directory in Directory.EnumerateDirectories(Path.GetTempPath(), $"{Prefix}*"))
        {
            var pidText = Path.GetFileName(directory)[Prefix.Length..].Split('-')[0];
            if (int.TryParse(pidText, out var pid) && !Directory.Exists($"/proc/{pid}"))
                try { Directory.Delete(directory, recursive: true); } catch (IOException) { }
        }
    }

    private static IEnumerable<string> ListNamespaces() =>
        Command.Run(["ip", "netns", "list"]).Stdout
            .Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ')[0]);

    private static void CreateNamespace(string name) => Ip("netns", "add", name);

    /// <summary>Kills what runs inside (daemons a test started there), then deletes the namespace and its interfaces.</summary>
    private static void DeleteNamespace(string name)
    {
        var pids = Command.Run(["ip", "netns", "pids", name]).Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        foreach (var pid in pids) Command.Run(["kill", "-9", pid.Trim()]);
        foreach (var pid in pids)
            for (var wait = 0; wait < 100 && Directory.Exists($"/proc/{pid.Trim()}"); wait++) Thread.Sleep(10);
        Command.Run(["ip", "netns", "delete", name]);
    }

    private static void Sysctl(LabHost host, params string[] settings) =>
        Command.Run(["ip", "netns", "exec", host.Namespace, "sysctl", "-q", "-w", .. settings]).EnsureSuccess();

    private static void Ip(params string[] arguments) => Command.Run(["ip", .. arguments]).EnsureSuccess();

    private static string? FindUnavailableReason()
    {
        if (!OperatingSystem.IsLinux()) return "NetworkLab needs Linux network namespaces.";
        if (geteuid() != 0) return "NetworkLab needs root (it creates network namespaces); run the network tests as root.";
        if (!Command.Exists("ip")) return "NetworkLab needs iproute2 ('ip'); install the iproute2 package.";
        return null;
    }

    [DllImport("libc")]
    private static extern uint geteuid();
}
