using PeerStorage.Core.Vault;
using PeerStorage.Network.Tests.Lab;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>
/// Multicast imaging across network namespaces, every machine running the cmdlets through the shell: one download
/// from the server serves everyone, announcers fail over, late and lossy and slow receivers, forged packets, and a
/// block device as the target.
/// </summary>
public sealed class ImagingLabTests
{
    private static readonly TimeSpan Transfer = TimeSpan.FromSeconds(120);

    [NetworkLabFact(Requires = ["lighttpd", "losetup"])]
    public async Task The_first_machine_downloads_once_and_multicasts_to_the_others_one_of_them_a_block_device()
    {
        using var rig = new ImagingLab();
        // A slow server link: the first machine's download takes a few seconds, so the others ask while it downloads.
        rig.Server.SetRateLimit(6, outgoing: true);
        var first = rig.AddMachine("first");
        var others = new[] { rig.AddMachine("r1"), rig.AddMachine("r2"), rig.AddMachine("r3") };
        var disk = Path.Combine(rig.Lab.ScratchDirectory, "disk.raw");
        const long diskSize = ImagingLab.ImageBytes + (1 << 20) - ImagingLab.ImageBytes % 512;
        using (var file = File.Create(disk)) file.SetLength(diskSize);
        var device = LoopDevice.Attach(disk, 0, diskSize);
        try
        {

        // All start together; the others listen long enough to hear the first whatever the order the shells come up in.
        var announcer = rig.StartReceive(first, extra: "-ListenTime 00:00:00.5");
        var receivers = others.Select((node, i) => rig.StartReceive(node, i == 2 ? device : null, "-ListenTime 00:00:30")).ToList();

        var firstResult = await ImagingLab.ResultAsync(announcer, Transfer);
        Assert.Equal(("Announcer", "Completed", (long)ImagingLab.ImageBytes), (firstResult.Role, firstResult.State, firstResult.BytesFromServer));
        foreach (var (process, i) in receivers.Select((p, i) => (p, i)))
        {
            var result = await ImagingLab.ResultAsync(process, Transfer);
            Assert.True(result is { Role: "Receiver", State: "Completed", BytesFromServer: 0 }, $"{others[i].Host.Name}: {result}\n{ImagingLab.LogOf(others[i])}\n{ImagingLab.LogOf(first)}");
            Assert.Equal(ImagingLab.ImageBytes, result.BytesFromMulticast);
        }
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(first)));
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(others[0])));
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(others[1])));
        Assert.Equal(rig.Manifest.Hash, rig.HashOf(device));
        // One download served four machines.
        Assert.Equal(ImagingLab.ImageBytes, await rig.ImageBytesServedAsync());
        }
        finally
        {
            LoopDevice.Detach(device);
        }
    }
}
