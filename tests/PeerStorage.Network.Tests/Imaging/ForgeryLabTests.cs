using System.Globalization;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>Hostile hosts on the link: a rogue announcer nobody trusts, and forged data packets.</summary>
public sealed class ForgeryLabTests
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(150);

    [NetworkLabFact(Requires = ["lighttpd"])]
    public async Task A_rogue_announcer_is_ignored_and_forged_data_packets_never_reach_a_target()
    {
        using var rig = new ImagingLab();
        rig.Server.SetRateLimit(2, outgoing: true); // the first machine's download lasts about 12 s
        var rogue = rig.AddMachine("rogue", inFleet: false);
        var first = rig.AddMachine("first");
        var second = rig.AddMachine("second");

        // The rogue, outside the fleet, announces the very image first: a machine of the fleet must not ask it.
        var rogueSending = rig.StartSend(rogue, "-Linger 00:01:00");
        await rig.WaitUntilAsync(() => rig.SessionOf(rogue) is not null, Transfer, "the rogue announces");
        var announcer = rig.StartReceive(first, extra: "-ListenTime 00:00:03");
        await rig.WaitUntilAsync(() => rig.StatusOf(first)?.Role == "Announcer" && rig.SessionOf(first) is not null, Transfer,
            "the first machine announces itself");

        // Forged data for the real session, while the second machine takes it: from the announcer's own address (a
        // process on that machine, as good as a spoofed source) and from the rogue's.
        var session = uint.Parse(rig.SessionOf(first)!.SessionId, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        var fromAnnouncer = rig.Shell(first, Forger(session, rig.Manifest.BlockCount));
        var fromRogue = rig.Shell(rogue, Forger(session, rig.Manifest.BlockCount));
        var receiver = rig.StartReceive(second, extra: "-ListenTime 00:00:30");
        await fromAnnouncer.WaitForLineAsync(l => l == "FORGING", Transfer, "the forger on the announcer's machine");
        await fromRogue.WaitForLineAsync(l => l == "FORGING", Transfer, "the forger on the rogue");
        Assert.True(rig.StatusOf(first)?.State == "Downloading", "the forgers should be at work before the multicast starts");

        var result = await ImagingLab.ResultAsync(receiver, Transfer);
        var firstResult = await ImagingLab.ResultAsync(announcer, Transfer);
        var context = $"{result}\n{ImagingLab.LogOf(second)}\n{ImagingLab.LogOf(first)}";
        Assert.True(firstResult is { Role: "Announcer", State: "Completed" }, $"{firstResult}\n{ImagingLab.LogOf(first)}");
        // Forged symbols spoil the blocks they land in, which are then asked for again (or, if the forging stalls the
        // multicast, taken from the server): the target gets only verified blocks either way.
        Assert.True(result is { Role: "Receiver" or "Server", State: "Completed", BytesFromMulticast: > 0 }, context);
        Assert.True(result.RejectedBlocks > 0, "forged symbols from the announcer's address were caught by the Merkle check: " + context + fromAnnouncer.Describe());
        Assert.True(result.ForeignPackets > 0, "packets from another address were dropped unread: " + context);
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(second)));
        Assert.Contains("Ignored an imaging announcement from " + rogue.NodeId, ImagingLab.LogOf(first, 200));
        rogueSending.Kill();
        fromAnnouncer.Kill();
        fromRogue.Kill();
    }

    // PowerShell that multicasts well-formed data packets of the session with random symbols, 50 a second for 40 s.
    private static string Forger(uint session, int blocks) => $$"""
        $u = [System.Net.Sockets.UdpClient]::new(); $r = [Random]::new(); $b = [byte[]]::new(24 + 1408)
        $end = [DateTime]::UtcNow.AddSeconds(40)
        'FORGING'
        while ([DateTime]::UtcNow -lt $end) {
          $r.NextBytes($b); $b[0] = 80; $b[1] = 73; $b[2] = 1; $b[3] = 4
          [BitConverter]::GetBytes([uint32]{{session}}).CopyTo($b, 4)
          [BitConverter]::GetBytes([int]$r.Next(0, {{blocks}})).CopyTo($b, 16)
          [BitConverter]::GetBytes([uint16]$r.Next(0, 47)).CopyTo($b, 20)
          [void]$u.Send($b, $b.Length, '239.255.80.73', 47701)
          [Threading.Thread]::Sleep(20)
        }
        """;
}
