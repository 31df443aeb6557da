using System.Collections;
using System.Management.Automation;
using System.Text;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Write-Host as in pwsh's Utility module (which the engine package does not ship): the text travels as an
/// information record tagged PSHOST, which the engine prints through the host in the requested colours.
/// </summary>
[Cmdlet(VerbsCommunications.Write, "Host")]
public sealed class WriteHostCommand : PSCmdlet
{
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromRemainingArguments = true)]
    [Alias("Msg", "Message")]
    public object? Object { get; set; }

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    [Parameter]
    public object Separator { get; set; } = " ";

    [Parameter]
    public ConsoleColor ForegroundColor { get; set; }

    [Parameter]
    public ConsoleColor BackgroundColor { get; set; }

    protected override void ProcessRecord()
    {
        var message = new HostInformationMessage
        {
            Message = Render(Object) ?? string.Empty,
            NoNewLine = NoNewline.IsPresent,
        };

        if (MyInvocation.BoundParameters.ContainsKey(nameof(ForegroundColor)))
        {
            message.ForegroundColor = ForegroundColor;
        }

        if (MyInvocation.BoundParameters.ContainsKey(nameof(BackgroundColor)))
        {
            message.BackgroundColor = BackgroundColor;
        }

        WriteInformation(message, ["PSHOST"]);
    }

    // Strings print as they are; collections are unrolled and joined with -Separator, as pwsh does.
    private string? Render(object? value)
    {
        var item = value is PSObject wrapped ? wrapped.BaseObject : value;
        switch (item)
        {
            case null:
                return null;
            case string text:
                return text.Length > 0 ? text : null;
            case IEnumerable items:
                var joined = new StringBuilder();
                var first = true;
                foreach (var element in items)
                {
                    if (!first)
                    {
                        joined.Append(Separator);
                    }

                    joined.Append(Render(element));
                    first = false;
                }

                return joined.ToString();
            default:
                var shown = value!.ToString();
                return string.IsNullOrEmpty(shown) ? null : shown;
        }
    }
}
