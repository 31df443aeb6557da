using System.Management.Automation;
using System.Security;
using PeerStorage.Core.Trust;
using PeerStorage.PowerShell.Infrastructure;

namespace PeerStorage.PowerShell.Trust;

/// <summary>
/// <para type="synopsis">Reads a fleet file: the fleet's id, name and validity.</para>
/// <para type="description">Get-PeerFleet opens a fleet file made by New-PeerFleet and checks that its key matches its
/// certificate (with -Password when the key is encrypted).</para>
/// </summary>
/// <example>
/// <code>Get-PeerFleet -Path ~/secure/lab.fleet -Password $pw | Format-List</code>
/// <para>Shows the fleet id to compare with Get-PeerNode's FleetId on each node.</para>
/// </example>
[Cmdlet(VerbsCommon.Get, "PeerFleet")]
[OutputType(typeof(PeerFleet))]
public sealed class GetPeerFleetCommand : PeerStorageCmdlet
{
    /// <summary><para>The fleet file.</para></summary>
    [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [ValidateNotNullOrEmpty]
    public string Path { get; set; } = "";

    /// <summary><para>The password of an encrypted fleet key.</para></summary>
    [Parameter]
    public SecureString? Password { get; set; }

    protected override void ProcessRecord()
    {
        var path = GetUnresolvedProviderPathFromPSPath(Path);
        if (TryRunEngine(() =>
            {
                using var fleet = FleetAuthority.Load(path, FleetCmdletSupport.Plain(Password));
                return FleetCmdletSupport.Describe(fleet);
            }, path, out var found))
            WriteObject(found);
    }
}
