using Microsoft.Data.Sqlite;
using PeerStorage.Core.Node;
using PeerStorage.Core.State;

namespace PeerStorage.Core.Tests;

public sealed class NodeHomeTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Initialize_creates_identity_database_and_log_with_owner_only_key()
    {
        using (var home = NodeHome.Initialize(_dir.Path, new NodeInitOptions("lab-pc-07", 0)))
        {
            var node = home.Describe();
            Assert.Equal("lab-pc-07", node.Name);
            Assert.Equal(0, node.Port);
            Assert.Equal(PeerNodeState.Stopped, node.State);
            Assert.Equal(home.NodeId.ToString(), node.NodeId);
            Assert.Contains("CN=" + node.NodeId, home.Identity.Certificate.Subject);
        }
        var key = _dir.Combine("identity", "node.key");
        Assert.True(File.Exists(key));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(key));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dir.Path));
        }
        Assert.True(File.Exists(_dir.Combine("state.db")));
        var log = Assert.Single(Directory.GetFiles(_dir.Combine("logs"), "peerstorage-*.log"));
        using var reader = new StreamReader(new FileStream(log, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
        Assert.Contains("Initialized node lab-pc-07", reader.ReadToEnd());
    }

    [Fact]
    public void The_identity_survives_reopening()
    {
        string id;
        using (var home = NodeHome.Initialize(_dir.Path, new NodeInitOptions("a", 0))) id = home.NodeId.ToString();
        using var reopened = NodeHome.Open(_dir.Path);
        Assert.Equal(id, reopened.NodeId.ToString());
        Assert.Equal("a", reopened.Name);
    }

    [Fact]
    public void Reinitializing_is_refused_without_force_and_keeps_the_old_identity_with_force()
    {
        string first;
        using (var home = NodeHome.Initialize(_dir.Path, new NodeInitOptions("a", 0))) first = home.NodeId.ToString();
        var refused = Assert.Throws<PeerStorageException>(() => NodeHome.Initialize(_dir.Path, new NodeInitOptions("a", 0)));
        Assert.Equal("NodeHomeExists", refused.ErrorId);
        using (var still = NodeHome.Open(_dir.Path)) Assert.Equal(first, still.NodeId.ToString());

        using (var replaced = NodeHome.Initialize(_dir.Path, new NodeInitOptions(null, null, Force: true)))
        {
            Assert.NotEqual(first, replaced.NodeId.ToString());
            Assert.Equal("a", replaced.Name); // settings are kept
        }
        var retired = Assert.Single(Directory.GetDirectories(_dir.Combine("identity", "retired")));
        using var old = NodeIdentity.Load(retired);
        Assert.Equal(first, old.NodeId.ToString());
    }

    [Fact]
    public void Opening_a_missing_home_says_how_to_create_it()
    {
        var e = Assert.Throws<PeerStorageException>(() => NodeHome.Open(_dir.Path));
        Assert.Equal("NodeHomeNotFound", e.ErrorId);
        Assert.Contains("Initialize-PeerNode", e.Message);
    }

    [Fact]
    public void A_key_that_does_not_match_the_certificate_is_refused()
    {
        using (NodeHome.Initialize(_dir.Path, new NodeInitOptions("a", 0))) { }
        using (var other = NodeIdentity.Create(_dir.Combine("other"), "b")) { }
        File.Copy(_dir.Combine("other", "node.key"), _dir.Combine("identity", "node.key"), overwrite: true);
        var e = Assert.Throws<PeerStorageException>(() => NodeHome.Open(_dir.Path));
        Assert.Equal("NodeIdentityMismatch", e.ErrorId);
    }

    [Fact]
    public void A_damaged_key_is_refused_with_a_clear_error()
    {
        using (NodeHome.Initialize(_dir.Path, new NodeInitOptions("a", 0))) { }
        File.WriteAllText(_dir.Combine("identity", "node.key"), "-----BEGIN PRIVATE KEY-----\ngarbage\n-----END PRIVATE KEY-----\n");
        var e = Assert.Throws<PeerStorageException>(() => NodeHome.Open(_dir.Path));
        Assert.Equal("NodeIdentityCorrupt", e.ErrorId);
    }
}
