using PeerStorage.Core.Discovery;

namespace PeerStorage.MdnsTool;

/// <summary>watch [--timeout S]: browses and prints added/updated/removed events as JSON lines until stopped.</summary>
internal static class WatchCommand
{
    public static async Task<int> RunAsync(ToolArguments args)
    {
        var log = CommonOptions.Logger(args);
        var timeout = args.Value("timeout") is null ? (TimeSpan?)null : TimeSpan.FromSeconds(args.Double("timeout", 0));
        await using var browser = new MdnsBrowser(CommonOptions.ServiceType(args), CommonOptions.Mdns(args), log);
        Report(browser);
        using var stop = new StopSignal(!args.Flag("ignore-stdin"), timeout: timeout);
        await browser.StartAsync(stop.Token);
        JsonOutput.Event("started", new() { ["pid"] = Environment.ProcessId });
        await stop.WaitAsync();
        await browser.StopAsync();
        JsonOutput.Event("stopped", new());
        return 0;
    }

    public static void Report(MdnsBrowser browser)
    {
        browser.PeerAdded += (_, e) => JsonOutput.Event("added", JsonOutput.Peer(e.Peer));
        browser.PeerUpdated += (_, e) => JsonOutput.Event("updated", JsonOutput.Peer(e.Peer));
        browser.PeerRemoved += (_, e) => JsonOutput.Event("removed", JsonOutput.Peer(e.Peer));
    }
}
