using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Get-Location as in pwsh's Management module (the current location of the session).</summary>
[Cmdlet(VerbsCommon.Get, "Location")]
[OutputType(typeof(PathInfo))]
public sealed class GetLocationCommand : PSCmdlet
{
    protected override void EndProcessing() => WriteObject(SessionState.Path.CurrentLocation);
}

/// <summary>Set-Location as in pwsh's Management module; relative paths and .NET calls then resolve from there.</summary>
[Cmdlet(VerbsCommon.Set, "Location", DefaultParameterSetName = PathSet)]
[OutputType(typeof(PathInfo))]
public sealed class SetLocationCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Position = 0, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string? LiteralPath { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var target = ParameterSetName == LiteralPathSet ? WildcardPattern.Escape(LiteralPath!) : Path ?? "~";
        try
        {
            var location = SessionState.Path.SetLocation(target);
            if (PassThru.IsPresent)
            {
                WriteObject(location);
            }
        }
        catch (Exception e) when (e is IContainsErrorRecord and (SessionStateException or ProviderInvocationException or PSArgumentException))
        {
            WriteError(((IContainsErrorRecord)e).ErrorRecord);
        }
    }
}
