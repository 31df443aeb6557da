using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;
using PeerStorage.Core.Trust;

namespace PeerStorage.Core.Tests.Trust;

public sealed class FleetTrustTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly List<IDisposable> _open = [];

    public void Dispose()
    {
        foreach (var d in _open) d.Dispose();
        _dir.Dispose();
    }

    private NodeHome Node(string name)
    {
        var home = NodeHome.Initialize(_dir.Combine(name), new NodeInitOptions(name, 0));
        _open.Add(home);
        return home;
    }

    private FleetAuthority Fleet(string name, string? password = null)
    {
        var fleet = FleetAuthority.Create(_dir.Combine(name + ".fleet"), name, password);
        _open.Add(fleet);
        return fleet;
    }

    private static void Join(NodeHome node, FleetAuthority fleet)
    {
        var request = FleetMembership.CreateRequest(node);
        var certificate = FleetMembership.Approve(fleet, request.Request, request.NodeId, null, null);
        FleetMembership.Install(node, certificate.Certificate);
    }

    [Fact]
    public void A_fleet_file_reopens_with_its_password_and_refuses_a_wrong_one()
    {
        var fleet = Fleet("lab", "s3cret");
        if (!OperatingSystem.IsWindows()) Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fleet.Path));
        using (var again = FleetAuthority.Load(fleet.Path, "s3cret")) Assert.Equal(fleet.FleetId, again.FleetId);
        Assert.Equal("FleetPasswordWrong", Assert.Throws<PeerStorageException>(() => FleetAuthority.Load(fleet.Path, "wrong")).ErrorId);
        Assert.Equal("FleetPasswordRequired", Assert.Throws<PeerStorageException>(() => FleetAuthority.Load(fleet.Path, null)).ErrorId);
        Assert.Equal("FleetFileExists", Assert.Throws<PeerStorageException>(() => FleetAuthority.Create(fleet.Path, "x", null)).ErrorId);
    }

    [Fact]
    public void Joining_a_fleet_keeps_the_node_id_and_makes_fleet_members_trust_each_other()
    {
        var fleet = Fleet("lab");
        var a = Node("a");
        var b = Node("b");
        var idBefore = a.NodeId;
        Join(a, fleet);
        Join(b, fleet);
        Assert.Equal(idBefore, a.NodeId);
        Assert.Equal(fleet.FleetId.ToString(), a.Describe().FleetId);
        using (var reopened = NodeHome.Open(a.Path)) Assert.Equal(idBefore, reopened.NodeId); // the issued certificate matches the key

        var decision = new NodeTrustPolicy(a).Evaluate(b.Identity.Certificate, []);
        Assert.True(decision.Trusted, decision.Reason);
        Assert.Equal(TrustBasis.Fleet, decision.Basis);
        Assert.Equal(b.NodeId, decision.NodeId);
    }

    [Fact]
    public void A_node_of_another_fleet_or_of_none_is_refused_unless_pinned()
    {
        var lab = Fleet("lab");
        var other = Fleet("other");
        var a = Node("a");
        var stranger = Node("stranger");
        var outsider = Node("outsider");
        Join(a, lab);
        Join(stranger, other);

        var policy = new NodeTrustPolicy(a);
        Assert.False(policy.Evaluate(stranger.Identity.Certificate, []).Trusted);
        Assert.False(policy.Evaluate(outsider.Identity.Certificate, []).Trusted);

        new TrustStore(a).Add(outsider.NodeId, "outsider", []);
        var pinned = policy.Evaluate(outsider.Identity.Certificate, []);
        Assert.True(pinned.Trusted);
        Assert.Equal(TrustBasis.Pinned, pinned.Basis);
        new TrustStore(a).Remove(outsider.NodeId);
        Assert.False(policy.Evaluate(outsider.Identity.Certificate, []).Trusted);
    }

    [Fact]
    public void A_certificate_with_a_forged_chain_is_refused()
    {
        var lab = Fleet("lab");
        var a = Node("a");
        Join(a, lab);
        // A rogue CA with the same name as the lab fleet issues a certificate to a rogue node.
        var rogueFleet = Fleet("lab-rogue");
        var rogue = Node("rogue");
        Join(rogue, rogueFleet);
        var decision = new NodeTrustPolicy(a).Evaluate(rogue.Identity.Certificate, [rogueFleet.Certificate]);
        Assert.False(decision.Trusted);
    }

    [Fact]
    public void A_revocation_is_accepted_only_when_signed_by_the_nodes_own_fleet_and_then_refuses_even_a_pin()
    {
        var lab = Fleet("lab");
        var other = Fleet("other");
        var a = Node("a");
        var b = Node("b");
        Join(a, lab);
        Join(b, lab);
        var fleetCa = FleetMembership.LoadFleetCa(a.Path)!;

        var forged = Revocations.Create(other, b.NodeId, "not yours to revoke");
        Assert.Empty(Revocations.Learn(a.State, fleetCa, [(forged.Statement, forged.Signature)]));
        var genuine = Revocations.Create(lab, b.NodeId, "laptop stolen");
        var tampered = genuine.Statement.Replace(b.NodeId.ToString(), a.NodeId.ToString());
        Assert.Empty(Revocations.Learn(a.State, fleetCa, [(tampered, genuine.Signature)]));
        Assert.True(new NodeTrustPolicy(a).Evaluate(b.Identity.Certificate, []).Trusted);

        var learned = Assert.Single(Revocations.Learn(a.State, fleetCa, [(genuine.Statement, genuine.Signature)]));
        Assert.Equal("laptop stolen", learned.Reason);
        Assert.Empty(Revocations.Learn(a.State, fleetCa, [(genuine.Statement, genuine.Signature)])); // already known

        new TrustStore(a).Add(b.NodeId, "b", []);
        var decision = new NodeTrustPolicy(a).Evaluate(b.Identity.Certificate, []);
        Assert.False(decision.Trusted);
        Assert.Contains("revoked", decision.Reason);
    }

    [Fact]
    public void A_request_signed_by_another_key_than_it_claims_is_refused()
    {
        var lab = Fleet("lab");
        var a = Node("a");
        var b = Node("b");
        var request = FleetMembership.CreateRequest(a);
        var e = Assert.Throws<PeerStorageException>(() => FleetMembership.Approve(lab, request.Request, b.NodeId.ToString(), null, null));
        Assert.Equal("CertificateRequestMismatch", e.ErrorId);
        var garbage = Assert.Throws<PeerStorageException>(() => FleetMembership.Approve(lab, "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----", null, null, null));
        Assert.Equal("CertificateRequestInvalid", garbage.ErrorId);
    }

    [Fact]
    public void A_certificate_for_another_node_cannot_be_installed()
    {
        var lab = Fleet("lab");
        var a = Node("a");
        var b = Node("b");
        var forB = FleetMembership.Approve(lab, FleetMembership.CreateRequest(b).Request, null, null, null);
        var e = Assert.Throws<PeerStorageException>(() => FleetMembership.Install(a, forB.Certificate));
        Assert.Equal("PeerCertificateMismatch", e.ErrorId);
        Assert.Null(a.Describe().FleetId);
    }
}
