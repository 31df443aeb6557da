using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Write-Error as in pwsh's Utility module: a non-terminating error with the caller's id and category.</summary>
[Cmdlet(VerbsCommunications.Write, "Error", DefaultParameterSetName = NoException)]
public sealed class WriteErrorCommand : PSCmdlet
{
    private const string NoException = "NoException";
    private const string WithException = "WithException";
    private const string ErrorRecordSet = "ErrorRecord";

    [Parameter(ParameterSetName = WithException, Mandatory = true)]
    public Exception? Exception { get; set; }

    [Parameter(Position = 0, ParameterSetName = NoException, Mandatory = true, ValueFromPipeline = true)]
    [Parameter(ParameterSetName = WithException)]
    [AllowNull]
    [AllowEmptyString]
    [Alias("Msg")]
    public string? Message { get; set; }

    [Parameter(ParameterSetName = ErrorRecordSet, Mandatory = true)]
    public ErrorRecord? ErrorRecord { get; set; }

    [Parameter(ParameterSetName = NoException)]
    [Parameter(ParameterSetName = WithException)]
    public ErrorCategory Category { get; set; } = ErrorCategory.NotSpecified;

    [Parameter(ParameterSetName = NoException)]
    [Parameter(ParameterSetName = WithException)]
    public string ErrorId { get; set; } = string.Empty;

    [Parameter(ParameterSetName = NoException)]
    [Parameter(ParameterSetName = WithException)]
    public object? TargetObject { get; set; }

    [Parameter]
    public string? RecommendedAction { get; set; }

    [Parameter]
    [Alias("Activity")]
    public string? CategoryActivity { get; set; }

    [Parameter]
    [Alias("Reason")]
    public string? CategoryReason { get; set; }

    [Parameter]
    [Alias("TargetName")]
    public string? CategoryTargetName { get; set; }

    [Parameter]
    [Alias("TargetType")]
    public string? CategoryTargetType { get; set; }

    protected override void ProcessRecord()
    {
        var record = ErrorRecord is not null
            ? new ErrorRecord(ErrorRecord, ErrorRecord.Exception)
            : new ErrorRecord(
                Exception ?? new WriteErrorException(Message ?? string.Empty),
                string.IsNullOrEmpty(ErrorId) ? "Microsoft.PowerShell.Commands.WriteErrorException" : ErrorId,
                Category,
                TargetObject);

        if (Exception is not null && !string.IsNullOrEmpty(Message))
        {
            record.ErrorDetails = new ErrorDetails(Message);
        }

        if (!string.IsNullOrEmpty(RecommendedAction))
        {
            record.ErrorDetails ??= new ErrorDetails(record.Exception.Message);
            record.ErrorDetails.RecommendedAction = RecommendedAction;
        }

        var category = record.CategoryInfo;
        category.Activity = CategoryActivity ?? category.Activity;
        category.Reason = CategoryReason ?? category.Reason;
        category.TargetName = CategoryTargetName ?? category.TargetName;
        category.TargetType = CategoryTargetType ?? category.TargetType;

        WriteError(record);
    }
}
