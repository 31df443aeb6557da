using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using PeerStorage.Core.Discovery;

namespace PeerStorage.MdnsTool;

/// <summary>One JSON object per line on standard output, each stamped with milliseconds since the tool started.</summary>
internal static class JsonOutput
{
    // From the process start, not from Main: "found within 2 s of start" includes the runtime's own start-up.
    private static readonly DateTimeOffset ProcessStarted = Process.GetCurrentProcess().StartTime.ToUniversalTime();
    private static readonly object Gate = new();

    /// <summary>Every event carries the wall clock (to compare processes) and the time since this process started.</summary>
    public static void Event(string name, JsonObject body)
    {
        var now = DateTimeOffset.UtcNow;
        body["event"] = name;
        body["unixMs"] = now.ToUnixTimeMilliseconds();
        body["elapsedMs"] = Math.Round((now - ProcessStarted).TotalMilliseconds, 1);
        body["processStartUnixMs"] = ProcessStarted.ToUnixTimeMilliseconds();
        Line(body.ToJsonString());
    }

    public static void Line(string json)
    {
        lock (Gate)
        {
            Console.Out.WriteLine(json);
            Console.Out.Flush();
        }
    }

    public static JsonObject Peer(DiscoveredPeer peer)
    {
        var txt = new JsonObject();
        foreach (var (key, value) in peer.Txt) txt[key] = value;
        return new JsonObject
        {
            ["instance"] = peer.InstanceName,
            ["type"] = peer.ServiceType,
            ["host"] = peer.HostName,
            ["port"] = peer.Port,
            ["addresses"] = new JsonArray(peer.Addresses.Select(a => (JsonNode)JsonValue.Create(a.ToString())!).ToArray()),
            ["txt"] = txt,
            ["interface"] = peer.InterfaceName,
        };
    }

    public static string Peers(IEnumerable<DiscoveredPeer> peers) =>
        new JsonArray(peers.Select(p => (JsonNode)Peer(p)).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = false });
}
