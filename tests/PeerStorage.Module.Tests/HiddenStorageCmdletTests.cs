namespace PeerStorage.Module.Tests;

public sealed class HiddenStorageCmdletTests : IDisposable
{
    private readonly PowerShellSession _ps = new();
    private readonly TempNodeHome _home = new();

    public HiddenStorageCmdletTests() => Assert.Empty(_ps.Run("Initialize-PeerNode -NodePath $args[0] -Port 0", _home.Path).Errors);

    public void Dispose()
    {
        _ps.Dispose();
        _home.Dispose();
    }

    [Fact]
    public void A_container_vault_is_created_hidden_listed_healthy_and_removed()
    {
        var whatIf = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Size 64MB -WhatIf", _home.Path);
        Assert.Empty(whatIf.Output);
        Assert.False(Directory.Exists(Path.Combine(_home.Path, "vault")));

        var created = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Size 64MB -Confirm:$false", _home.Path);
        Assert.Empty(created.Errors);
        var partition = Assert.Single(created.Output);
        Assert.Equal("PeerStorage.HiddenStoragePartition", partition.TypeName());
        Assert.Equal("ContainerFile", partition.Str("Kind"));
        Assert.Equal("Healthy", partition.Str("Health"));
        Assert.True(partition.Prop<long>("Size") > 32L << 20);
        Assert.Equal(0L, partition.Prop<long>("Used"));
        var location = partition.Str("Location");
        Assert.StartsWith(".", Path.GetFileName(location)); // not shown by a normal listing
        if (!OperatingSystem.IsWindows())
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(location));

        var listed = _ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path);
        Assert.Equal(partition.Str("Id"), Assert.Single(listed.Output).Str("Id"));

        var removed = _ps.Run("Get-HiddenStoragePartition -NodePath $args[0] | Remove-HiddenStoragePartition -NodePath $args[0] -Confirm:$false", _home.Path);
        Assert.Empty(removed.Errors);
        Assert.False(File.Exists(location));
        Assert.Empty(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
    }

    [Fact]
    public void Lending_the_volume_below_its_reserve_is_refused()
    {
        var result = _ps.Run("New-HiddenStoragePartition -NodePath $args[0] -Size 1PB -Confirm:$false", _home.Path);
        var error = Assert.Single(result.Errors);
        Assert.Equal("HiddenPartitionTooLarge,PeerStorage.PowerShell.Leasing.NewHiddenStoragePartitionCommand", error.FullyQualifiedErrorId);
        Assert.Empty(_ps.Run("Get-HiddenStoragePartition -NodePath $args[0]", _home.Path).Output);
    }

    [Fact]
    public void An_unknown_id_is_an_error()
    {
        var result = _ps.Run("Get-HiddenStoragePartition -NodePath $args[0] -Id nope", _home.Path);
        Assert.Equal("HiddenPartitionNotFound,PeerStorage.PowerShell.Leasing.GetHiddenStoragePartitionCommand", Assert.Single(result.Errors).FullyQualifiedErrorId);
    }
}
