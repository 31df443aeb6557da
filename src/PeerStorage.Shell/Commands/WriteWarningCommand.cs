using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Write-Warning as in pwsh's Utility module; $WarningPreference decides whether it shows.</summary>
[Cmdlet(VerbsCommunications.Write, "Warning")]
public sealed class WriteWarningCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteWarning(Message);
}
