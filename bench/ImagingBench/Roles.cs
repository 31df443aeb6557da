using System.Diagnostics;
using PeerStorage.Core.Multicast;
using PeerStorage.Core.Multicast.Net;
using PeerStorage.Core.Node;

namespace PeerStorage.Bench.Imaging;

/// <summary>The two roles of our side, each run as its own process inside a namespace by the orchestrator.</summary>
internal static class Roles
{
    // receive <home> <uri> <target>: prints "done <seconds since start> <bytes from server> <bytes by multicast> ...",
    // then the seconds from the process's start to Main and to its node home being open, and its CPU seconds.
    public static async Task<int> ReceiveAsync(string[] args)
    {
        var main = SinceProcessStart();
        using var home = NodeHome.Open(args[0], "Bench");
        var opened = SinceProcessStart();
        var clock = Stopwatch.StartNew();
        var result = await DiskImageReceive.RunAsync(home, new DiskImageReceiveRequest
        {
            ServerUri = new Uri(args[1]), Target = args[2], Endpoint = new MulticastEndpoint { Interface = "eth0" },
            // As udp-receiver waits for its sender: the bench measures the multicast, not who comes up first.
            Receiver = new PeerStorage.Core.Multicast.Session.ReceiverOptions { ListenTime = TimeSpan.FromSeconds(30) },
        }, null, CancellationToken.None);
        Console.WriteLine($"done {clock.Elapsed.TotalSeconds:F3} {result.BytesFromServer} {result.BytesFromMulticast} {result.Role} {result.RejectedBlocks} main +{main:F2} home +{opened:F2} cpu {Cpu()}");
        return result.State == "Completed" ? 0 : 1;
    }

    private static double SinceProcessStart()
    {
        using var self = Process.GetCurrentProcess();
        return (DateTime.Now - self.StartTime).TotalSeconds;
    }

    // The process's CPU seconds so far (user, system): on a shared machine it compares runs better than wall time.
    private static string Cpu()
    {
        using var self = Process.GetCurrentProcess();
        return FormattableString.Invariant($"{self.UserProcessorTime.TotalSeconds:F2}u {self.PrivilegedProcessorTime.TotalSeconds:F2}s");
    }

    // send <home> <image> <manifest> [linger seconds]
    public static async Task<int> SendAsync(string[] args)
    {
        using var home = NodeHome.Open(args[0], "Bench");
        var linger = args.Length > 3 ? double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture) : 2;
        var session = await DiskImageSend.RunAsync(home, new DiskImageSendRequest
        {
            ImagePath = args[1], ManifestPath = args[2], Endpoint = new MulticastEndpoint { Interface = "eth0" },
            Sender = new PeerStorage.Core.Multicast.Session.SenderOptions { Linger = TimeSpan.FromSeconds(linger) },
        }, null, null, CancellationToken.None);
        Console.WriteLine($"sent {session.BytesSent} repairs {session.RepairSymbolsSent} passes {session.Passes} receivers {session.Receivers} complete {session.ReceiversComplete} evicted {session.ReceiversEvicted} cpu {Cpu()}");
        return 0;
    }
}
