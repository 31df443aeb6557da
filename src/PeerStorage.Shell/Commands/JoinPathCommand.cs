using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Join-Path as in pwsh's Management module (the provider's separator; -Resolve resolves wildcards).</summary>
[Cmdlet(VerbsCommon.Join, "Path")]
[OutputType(typeof(string))]
public sealed class JoinPathCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath")]
    public string[] Path { get; set; } = [];

    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? ChildPath { get; set; }

    [Parameter(Position = 2, ValueFromRemainingArguments = true, ValueFromPipelineByPropertyName = true)]
    public string[]? AdditionalChildPath { get; set; }

    [Parameter]
    public SwitchParameter Resolve { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var parent in Path)
        {
            var joined = SessionState.Path.Combine(parent, ChildPath ?? string.Empty);
            foreach (var child in AdditionalChildPath ?? [])
            {
                joined = SessionState.Path.Combine(joined, child);
            }

            if (!Resolve.IsPresent)
            {
                WriteObject(joined);
                continue;
            }

            try
            {
                foreach (var resolved in SessionState.Path.GetResolvedPSPathFromPSPath(joined))
                {
                    WriteObject(resolved.Path);
                }
            }
            catch (Exception e) when (e is IContainsErrorRecord and (SessionStateException or ProviderInvocationException))
            {
                WriteError(((IContainsErrorRecord)e).ErrorRecord);
            }
        }
    }
}
