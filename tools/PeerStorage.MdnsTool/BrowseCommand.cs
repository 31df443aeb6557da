using PeerStorage.Core.Discovery;

namespace PeerStorage.MdnsTool;

/// <summary>browse [--timeout S] [--json]: browses for a while and prints what it found (a JSON array with --json).</summary>
internal static class BrowseCommand
{
    public static async Task<int> RunAsync(ToolArguments args)
    {
        var peers = await MdnsBrowser.BrowseAsync(TimeSpan.FromSeconds(args.Double("timeout", 2)), CommonOptions.Mdns(args),
            CommonOptions.Logger(args), CommonOptions.ServiceType(args));
        if (args.Flag("json")) JsonOutput.Line(JsonOutput.Peers(peers));
        else
            foreach (var peer in peers)
                Console.WriteLine($"{peer}  {string.Join(' ', peer.Txt.Select(p => p.Value is null ? p.Key : $"{p.Key}={p.Value}"))}");
        return 0;
    }
}
