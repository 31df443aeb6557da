using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Write-Progress as in pwsh's Utility module; the shell host draws it as one updating line.</summary>
[Cmdlet(VerbsCommunications.Write, "Progress")]
public sealed class WriteProgressCommand : PSCmdlet
{
    [Parameter(Position = 0)]
    public string? Activity { get; set; }

    [Parameter(Position = 1)]
    [ValidateNotNullOrEmpty]
    public string? Status { get; set; }

    [Parameter(Position = 2)]
    [ValidateRange(0, int.MaxValue)]
    public int Id { get; set; }

    [Parameter]
    [ValidateRange(-1, 100)]
    public int PercentComplete { get; set; } = -1;

    [Parameter]
    public int SecondsRemaining { get; set; } = -1;

    [Parameter]
    public string? CurrentOperation { get; set; }

    [Parameter]
    [ValidateRange(-1, int.MaxValue)]
    public int ParentId { get; set; } = -1;

    [Parameter]
    public SwitchParameter Completed { get; set; }

    [Parameter]
    public int SourceId { get; set; }

    protected override void ProcessRecord()
    {
        if (string.IsNullOrEmpty(Activity) && !Completed)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException("Write-Progress needs -Activity unless -Completed is given."),
                "ActivityParameterRequired",
                ErrorCategory.InvalidArgument,
                null));
        }

        // A record cannot have an empty activity; -Completed alone only needs to close the bar.
        var record = new ProgressRecord(Id, string.IsNullOrEmpty(Activity) ? " " : Activity, Status ?? "Processing")
        {
            ParentActivityId = ParentId,
            PercentComplete = PercentComplete,
            SecondsRemaining = SecondsRemaining,
            CurrentOperation = CurrentOperation,
            RecordType = Completed ? ProgressRecordType.Completed : ProgressRecordType.Processing,
        };
        WriteProgress(record);
    }
}
