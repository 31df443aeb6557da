using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Write-Debug as in pwsh's Utility module; $DebugPreference decides whether it shows.</summary>
[Cmdlet(VerbsCommunications.Write, "Debug")]
public sealed class WriteDebugCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    [Alias("Msg")]
    public string Message { get; set; } = string.Empty;

    protected override void ProcessRecord() => WriteDebug(Message);
}
