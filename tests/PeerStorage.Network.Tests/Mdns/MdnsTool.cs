using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>Runs tools/PeerStorage.MdnsTool (built beside the tests) inside lab hosts, as its own process.</summary>
internal static class MdnsTool
{
    private static string ToolAssembly => Path.Combine(AppContext.BaseDirectory, "PeerStorage.MdnsTool.dll");

    // The test host runs under the dotnet muxer; the tool runs under the same one.
    private static string Dotnet =>
        Environment.ProcessPath is { } path && Path.GetFileNameWithoutExtension(path) == "dotnet" ? path : "dotnet";

    private static IEnumerable<string> Tool(params IEnumerable<string> arguments) => [Dotnet, ToolAssembly, .. arguments];

    /// <summary>Announces a service until stopped; with <paramref name="browse"/> it also reports the peers it sees.</summary>
    public static ToolProcess Advertise(LabHost host, string instance, string hostName, int port, bool browse = false, params string[] txt)
    {
        var arguments = new List<string> { "advertise", "--instance", instance, "--host", hostName, "--port", port.ToString(CultureInfo.InvariantCulture), "--log", "info" };
        foreach (var pair in txt) arguments.AddRange(["--txt", pair]);
        if (browse) arguments.Add("--browse");
        return new ToolProcess(host.Start(Tool(arguments), label: $"{host.Name}:advertise {instance}"));
    }

    /// <summary>Browses until stopped, reporting added/updated/removed peers.</summary>
    public static ToolProcess Watch(LabHost host) =>
        new(host.Start(Tool("watch", "--log", "info"), label: $"{host.Name}:watch"));

    /// <summary>Browses for a while and returns the peers found (each a JSON object: instance, host, port, addresses, txt).</summary>
    public static async Task<List<JsonObject>> BrowseAsync(LabHost host, double seconds = 2)
    {
        var result = await host.RunAsync(TimeSpan.FromSeconds(seconds + 20), null,
            [.. Tool("browse", "--json", "--timeout", seconds.ToString(CultureInfo.InvariantCulture))]);
        result.EnsureSuccess();
        return JsonNode.Parse(result.Stdout)!.AsArray().Select(n => n!.AsObject()).ToList();
    }

    /// <summary>Sends <paramref name="count"/> malformed packets to <paramref name="target"/> (unicast and multicast).</summary>
    public static Task<CommandResult> BlastAsync(LabHost from, IPAddress target, int count, int seed) =>
        from.RunAsync(TimeSpan.FromSeconds(60), null,
            [.. Tool("blast", "--target", target.ToString(), "--count", count.ToString(CultureInfo.InvariantCulture),
                "--seed", seed.ToString(CultureInfo.InvariantCulture), "--multicast")]);
}
