using System.Security.Cryptography;

namespace PeerStorage.Module.Tests;

/// <summary>
/// The imaging cmdlets where no network is needed: manifests, the checks made before anything is sent or received,
/// and status. Multicast itself is tested across network namespaces (tests/PeerStorage.Network.Tests/Imaging).
/// </summary>
public sealed class ImagingCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _root = new();
    private readonly string _home;
    private readonly string _image;
    private readonly byte[] _content;

    public ImagingCmdletTests()
    {
        Directory.CreateDirectory(_root.Path);
        _home = Path.Combine(_root.Path, "node");
        Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Name imager -Port 0", _home).Errors);
        _image = Path.Combine(_root.Path, "lab.img");
        _content = new byte[3 * 65536 + 1000];
        new Random(3).NextBytes(_content);
        File.WriteAllBytes(_image, _content);
    }

    public void Dispose()
    {
        _ps.Dispose();
        _root.Dispose();
    }

    [Fact]
    public void New_DiskImageManifest_describes_the_image_by_its_sha256_and_writes_the_manifest_beside_it()
    {
        var result = _ps.Run("New-DiskImageManifest -Path $args[0] -SectorSize 4096", _image);
        Assert.Empty(result.Errors);
        var manifest = Assert.Single(result.Output);
        Assert.Equal("PeerStorage.DiskImageManifest", manifest.TypeName());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(_content)), manifest.Str("Hash"));
        Assert.Equal(_content.Length, manifest.Prop<long>("Size"));
        Assert.Equal(4096, manifest.Prop<int>("SectorSize"));
        Assert.Equal(4, manifest.Prop<int>("BlockCount"));
        Assert.True(File.Exists(_image + ".manifest.json"));

        // A second run does not replace it without -Force.
        var again = _ps.Run("New-DiskImageManifest -Path $args[0]", _image);
        Assert.Equal("ManifestExists,PeerStorage.PowerShell.Imaging.NewDiskImageManifestCommand", Assert.Single(again.Errors).FullyQualifiedErrorId);
        Assert.Empty(_ps.Run("New-DiskImageManifest -Path $args[0] -Force", _image).Errors);
    }

    [Fact]
    public void WhatIf_writes_no_manifest_and_receives_nothing()
    {
        Assert.Empty(_ps.Run("New-DiskImageManifest -Path $args[0] -WhatIf", _image).Errors);
        Assert.False(File.Exists(_image + ".manifest.json"));
        var target = Path.Combine(_root.Path, "target.img");
        var result = _ps.Run("Receive-DiskImageMulticast -NodePath $args[0] -Uri http://192.0.2.1/lab.img -Target $args[1] -WhatIf", _home, target);
        Assert.Empty(result.Errors);
        Assert.Empty(result.Output);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void A_manifest_for_another_image_than_the_hash_asked_for_is_refused_before_anything_is_fetched()
    {
        Assert.Empty(_ps.Run("New-DiskImageManifest -Path $args[0]", _image).Errors);
        var target = Path.Combine(_root.Path, "target.img");
        var result = _ps.Run("Receive-DiskImageMulticast -NodePath $args[0] -Uri http://192.0.2.1/lab.img -Target $args[1] -Manifest $args[2] -Hash $args[3] -Force",
            _home, target, _image + ".manifest.json", new string('a', 64));
        Assert.Equal("ImageHashMismatch,PeerStorage.PowerShell.Imaging.ReceiveDiskImageMulticastCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.False(File.Exists(target));
    }

    [Fact]
    public void Sending_a_file_that_is_not_the_manifests_image_is_refused_before_anything_is_sent()
    {
        Assert.Empty(_ps.Run("New-DiskImageManifest -Path $args[0]", _image).Errors);
        var other = Path.Combine(_root.Path, "other.img");
        File.WriteAllBytes(other, new byte[100]);
        var result = _ps.Run("Send-DiskImageMulticast -NodePath $args[0] -Path $args[1] -Manifest $args[2]", _home, other, _image + ".manifest.json");
        Assert.Equal("ImageFileMismatch,PeerStorage.PowerShell.Imaging.SendDiskImageMulticastCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
        Assert.Empty(_ps.Run("Get-DiskImageMulticast -NodePath $args[0]", _home).Output); // no session was started
    }

    [Fact]
    public void A_group_that_is_not_multicast_or_an_interface_that_does_not_exist_is_refused()
    {
        var bad = _ps.Run("Send-DiskImageMulticast -NodePath $args[0] -Path $args[1] -Interface nosuchnic0", _home, _image);
        Assert.Equal("MulticastEndpointInvalid,PeerStorage.PowerShell.Imaging.SendDiskImageMulticastCommand", Assert.Single(bad.Errors).FullyQualifiedErrorId);
        var wrong = _ps.Run("Receive-DiskImageMulticast -NodePath $args[0] -Uri http://192.0.2.1/x.img -Target $args[1] -Group 10.1.2.3 -Force", _home, _image + ".out");
        Assert.Contains("not an IPv4 multicast group", Assert.Single(wrong.Errors).Exception.Message);
    }

    [Fact]
    public void Status_of_no_runs_is_empty_and_stopping_an_image_that_is_not_running_is_an_error()
    {
        var hash = Convert.ToHexStringLower(SHA256.HashData(_content));
        Assert.Empty(_ps.Run("Get-DiskImageMulticast -NodePath $args[0]", _home).Output);
        var stop = _ps.Run("Stop-DiskImageMulticast -NodePath $args[0] -Hash $args[1]", _home, hash);
        Assert.Equal("DiskImageMulticastNotRunning,PeerStorage.PowerShell.Imaging.StopDiskImageMulticastCommand", Assert.Single(stop.Errors).FullyQualifiedErrorId);
    }
}
