using PeerStorage.Network.Tests.Lab;
using PeerStorage.Network.Tests.Peers;

namespace PeerStorage.Network.Tests.Imaging;

/// <summary>The deploy example as an admin runs it on every machine: imaging as a job, progress from Get-DiskImageMulticast.</summary>
public sealed class DeployScriptLabTests
{
    [NetworkLabFact(Requires = ["lighttpd"])]
    public async Task The_deploy_example_images_every_machine_that_runs_it()
    {
        using var rig = new ImagingLab();
        rig.Server.SetRateLimit(6, outgoing: true); // the first machine's download lasts a few seconds: the others ask meanwhile
        var script = Path.Combine(Programs.RepositoryRoot, "examples", "ImagingDeploy.ps1");
        var machines = new[] { rig.AddMachine("pc1"), rig.AddMachine("pc2") };
        var runs = machines.Select(node => rig.Shell(node,
            $"& '{script}' -NodePath $node -Uri '{rig.ImageUri}' -Target '{rig.TargetOf(node)}' -Hash {rig.Manifest.Hash} -Interface eth0 " +
            "| ForEach-Object { \"RESULT|$($_.Role)|$($_.State)|$($_.BytesFromServer)|$($_.BytesFromMulticast)|$($_.RejectedBlocks)|$($_.ForeignPackets)\" }")).ToList();

        var results = new List<TransferResult>();
        foreach (var run in runs) results.Add(await ImagingLab.ResultAsync(run, TimeSpan.FromSeconds(150)));
        Assert.True(results.All(r => r.State == "Completed"), string.Join('\n', results) + runs[0].Describe());
        // The script reported progress while the job ran, then the job's result.
        Assert.Contains(runs.SelectMany(r => r.StdoutLines), l => l.Contains("multicast", StringComparison.Ordinal) && l.Contains("MiB", StringComparison.Ordinal));
        // Started together, both may announce at first; the one that steps down keeps what it fetched, and nobody
        // downloads the image twice.
        Assert.InRange(results.Sum(r => r.BytesFromServer), ImagingLab.ImageBytes, 2L * ImagingLab.ImageBytes - 1);
        Assert.Contains(results, r => r is { Role: "Receiver", BytesFromMulticast: > 0 });
        foreach (var node in machines) Assert.Equal(rig.Manifest.Hash, rig.HashOf(rig.TargetOf(node)));
    }
}
