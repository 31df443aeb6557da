using System.Text.Json.Nodes;
using PeerStorage.Core.Discovery;

namespace PeerStorage.MdnsTool;

/// <summary>
/// advertise --instance NAME --port N [--host H] [--txt k=v ...] [--browse]: announces a service until stdin closes
/// (or "stop", SIGTERM, SIGINT), then says goodbye. A stdin line "txt k=v ..." replaces the TXT pairs.
/// Prints JSON lines: started, announced (with the names finally used), added/updated/removed with --browse, stopped.
/// </summary>
internal static class AdvertiseCommand
{
    public static async Task<int> RunAsync(ToolArguments args)
    {
        var log = CommonOptions.Logger(args);
        var options = CommonOptions.Mdns(args);
        var port = args.Int("port", 0);
        if (port is < 1 or > 65535) throw new UsageException("--port takes the service's port, 1 to 65535.");
        var registration = new MdnsServiceRegistration
        {
            InstanceName = args.Required("instance"),
            Port = port,
            HostName = args.Value("host"),
            ServiceType = CommonOptions.ServiceType(args),
            Txt = CommonOptions.Txt(args.Values("txt")),
        };
        await using var announcer = new MdnsServiceAnnouncer(registration, options, log);
        announcer.Announced += (_, _) => JsonOutput.Event("announced", new JsonObject
        {
            ["instance"] = announcer.InstanceName,
            ["host"] = announcer.HostName,
            ["fullName"] = announcer.FullName,
        });
        await using var browser = args.Flag("browse") ? new MdnsBrowser(registration.ServiceType, options, log) : null;
        if (browser is not null) WatchCommand.Report(browser);

        using var stop = new StopSignal(!args.Flag("ignore-stdin"), async line =>
        {
            if (!line.StartsWith("txt", StringComparison.Ordinal)) return;
            await announcer.UpdateTxtAsync(CommonOptions.Txt(line.Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)));
            JsonOutput.Event("txt-updated", new JsonObject());
        });
        await announcer.StartAsync(stop.Token);
        if (browser is not null) await browser.StartAsync(stop.Token);
        JsonOutput.Event("started", new JsonObject { ["pid"] = Environment.ProcessId });
        await stop.WaitAsync();
        await announcer.StopAsync();
        if (browser is not null) await browser.StopAsync();
        JsonOutput.Event("stopped", new JsonObject());
        return 0;
    }
}
