using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using PeerStorage.Core.Discovery;

namespace PeerStorage.MdnsTool;

/// <summary>
/// blast --target IP [--count N] [--seed S] [--multicast-interface NAME]: sends malformed packets to a responder,
/// alternately from an ephemeral port and from the mDNS port (so they look like queries and like responses), and
/// optionally to the multicast group as well. For robustness tests on networks you own.
/// </summary>
internal static class BlastCommand
{
    public static async Task<int> RunAsync(ToolArguments args)
    {
        var target = IPAddress.Parse(args.Required("target"));
        var count = args.Int("count", 10_000);
        var port = args.Int("mdns-port", MdnsOptions.StandardPort);
        var packets = new MalformedPackets(args.Int("seed", 1));
        using var ephemeral = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        using var fromMdnsPort = new Socket(target.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        fromMdnsPort.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        fromMdnsPort.Bind(new IPEndPoint(target.AddressFamily == AddressFamily.InterNetwork ? IPAddress.Any : IPAddress.IPv6Any, port));
        var destinations = new List<IPEndPoint> { new(target, port) };
        if (args.Flag("multicast") && target.AddressFamily == AddressFamily.InterNetwork)
            destinations.Add(new IPEndPoint(IPAddress.Parse("224.0.0.251"), port));

        var sent = 0;
        for (var i = 0; i < count; i++)
        {
            var socket = i % 2 == 0 ? ephemeral : fromMdnsPort;
            foreach (var destination in destinations)
            {
                try
                {
                    socket.SendTo(packets.Next(), destination);
                    sent++;
                }
                catch (SocketException)
                {
                    // a full send buffer drops the packet, as the network would
                }
            }
            if (i % 500 == 499) await Task.Delay(1); // let the receiver breathe a little; this tests parsing, not queue overflow
        }
        JsonOutput.Event("blasted", new JsonObject { ["sent"] = sent });
        return 0;
    }
}
