namespace PeerStorage.Network.Tests.Lab;

/// <summary>
/// avahi, the reference mDNS implementation, running in a lab host: its own dbus-daemon (a private system bus on a
/// socket in the lab's scratch directory) and avahi-daemon in a private mount namespace with its own /run, so it
/// neither needs nor disturbs the machine's avahi. avahi-browse and avahi-publish reach it through
/// <see cref="Environment"/>.
/// </summary>
public sealed class AvahiDaemon
{
    private static readonly TimeSpan StartupTimeout = TimeSpan.FromSeconds(15);

    private AvahiDaemon(LabHost host, string busSocket, LabProcess bus, LabProcess daemon)
    {
        Host = host;
        Environment = new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = $"unix:path={busSocket}" };
        Bus = bus;
        Daemon = daemon;
    }

    public LabHost Host { get; }
    public IReadOnlyDictionary<string, string> Environment { get; }
    public LabProcess Bus { get; }
    public LabProcess Daemon { get; }

    /// <summary>Starts dbus and avahi in <paramref name="host"/> and waits until avahi has claimed its host name.</summary>
    public static async Task<AvahiDaemon> StartAsync(NetworkLab lab, LabHost host, string hostName)
    {
        var directory = Path.Combine(lab.ScratchDirectory, $"avahi-{host.Name}");
        Directory.CreateDirectory(directory);
        var busSocket = Path.Combine(directory, "bus.sock");
        var busConfig = Path.Combine(directory, "bus.conf");
        var avahiConfig = Path.Combine(directory, "avahi-daemon.conf");
        File.WriteAllText(busConfig, $"""
            <!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
              "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
            <busconfig>
              <type>system</type>
              <listen>unix:path={busSocket}</listen>
              <auth>EXTERNAL</auth>
              <policy context="default">
                <allow user="*"/>
                <allow own="*"/>
                <allow send_destination="*"/>
                <allow receive_sender="*"/>
              </policy>
            </busconfig>
            """);
        File.WriteAllText(avahiConfig, $"""
            [server]
            host-name={hostName}
            use-ipv4=yes
            use-ipv6=yes
            allow-interfaces={string.Join(',', host.Interfaces.Select(i => i.Name))}
            enable-dbus=yes
            ratelimit-interval-usec=0
            [wide-area]
            enable-wide-area=no
            [publish]
            publish-hinfo=no
            publish-workstation=no
            """);

        var bus = host.Start(["dbus-daemon", $"--config-file={busConfig}", "--nofork", "--nopidfile"], label: $"{host.Name}:dbus-daemon");
        for (var waited = 0; !File.Exists(busSocket); waited += 20)
        {
            if (waited > 5000 || bus.HasExited) throw new InvalidOperationException($"dbus-daemon did not start.{System.Environment.NewLine}{bus.Describe()}");
            await Task.Delay(20);
        }
        // A private /run (tmpfs in a private mount namespace) for avahi's pid file and socket.
        var daemon = host.Start(
            ["unshare", "--mount", "--propagation", "private", "sh", "-c",
             $"mount -t tmpfs tmpfs /run && mkdir /run/avahi-daemon && exec avahi-daemon -f '{avahiConfig}' --no-drop-root --no-chroot --no-rlimits"],
            new Dictionary<string, string> { ["DBUS_SYSTEM_BUS_ADDRESS"] = $"unix:path={busSocket}" },
            label: $"{host.Name}:avahi-daemon");
        await daemon.WaitForLineAsync(l => l.Contains("Server startup complete", StringComparison.Ordinal), StartupTimeout, "avahi startup");
        return new AvahiDaemon(host, busSocket, bus, daemon);
    }

    /// <summary>avahi-browse -rtp: resolves every instance of the type, prints parsable lines, and exits.</summary>
    public Task<CommandResult> BrowseAsync(string serviceType, TimeSpan timeout) =>
        Host.RunAsync(timeout, Environment, "avahi-browse", "-r", "-t", "-p", serviceType);

    /// <summary>avahi-publish -s: registers a service through this daemon while the returned process runs.</summary>
    public LabProcess Publish(string instance, string serviceType, int port, params string[] txt) =>
        Host.Start(["avahi-publish", "-s", instance, serviceType, port.ToString(System.Globalization.CultureInfo.InvariantCulture), .. txt],
            Environment, $"{Host.Name}:avahi-publish");
}
