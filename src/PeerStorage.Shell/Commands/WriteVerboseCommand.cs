using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Write-Verbose as in pwsh's Utility module; $VerbosePreference decides whether it shows.</summary>
[Cmdlet(VerbsCommunications.Write, "Verbose")]
public sealed class WriteVerboseCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteVerbose(Message);
}
