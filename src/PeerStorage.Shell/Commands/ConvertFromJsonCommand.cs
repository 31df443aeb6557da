using System.Collections;
using System.Collections.Specialized;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Json;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// ConvertFrom-Json as in pwsh's Utility module: objects become PSCustomObjects (or ordered hashtables with
/// -AsHashtable), arrays are enumerated unless -NoEnumerate, numbers become int, long, decimal or double,
/// and ISO 8601 date strings become DateTime. Piped lines are joined into one document, as in pwsh.
/// </summary>
[Cmdlet(VerbsData.ConvertFrom, "Json")]
public sealed class ConvertFromJsonCommand : PSCmdlet
{
    private readonly StringBuilder _text = new();

    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowEmptyString]
    public string InputObject { get; set; } = string.Empty;

    [Parameter]
    public SwitchParameter AsHashtable { get; set; }

    [Parameter]
    [ValidateRange(1, int.MaxValue)]
    public int Depth { get; set; } = 1024;

    [Parameter]
    public SwitchParameter NoEnumerate { get; set; }

    protected override void ProcessRecord() => _text.AppendLine(InputObject);

    protected override void EndProcessing()
    {
        var text = _text.ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, new JsonDocumentOptions
            {
                AllowTrailingCommas = true,
                CommentHandling = JsonCommentHandling.Skip,
                MaxDepth = Depth,
            });
        }
        catch (JsonException e)
        {
            ThrowTerminatingError(new ErrorRecord(
                new ArgumentException($"Conversion from JSON failed with error: {e.Message}", e),
                "System.ArgumentException,Microsoft.PowerShell.Commands.ConvertFromJsonCommand",
                ErrorCategory.ParserError,
                text));
            return;
        }

        using (document)
        {
            var value = Convert(document.RootElement);
            WriteObject(value, enumerateCollection: !NoEnumerate.IsPresent);
        }
    }

    private object? Convert(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                if (AsHashtable.IsPresent)
                {
                    var table = new OrderedDictionary(StringComparer.OrdinalIgnoreCase);
                    foreach (var property in element.EnumerateObject())
                    {
                        table[property.Name] = Convert(property.Value);
                    }

                    return table;
                }

                var result = new PSObject();
                foreach (var property in element.EnumerateObject())
                {
                    if (result.Properties[property.Name] is not null)
                    {
                        throw new PSInvalidOperationException(
                            $"Cannot convert the JSON string because it contains keys with different casing or duplicate keys ('{property.Name}'). Use -AsHashtable instead.");
                    }

                    result.Properties.Add(new PSNoteProperty(property.Name, Convert(property.Value)));
                }

                return result;
            case JsonValueKind.Array:
                return element.EnumerateArray().Select(Convert).ToArray();
            case JsonValueKind.String:
                var s = element.GetString()!;
                return s.Length >= 10 && char.IsDigit(s[0]) && s[4] == '-'
                    && DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var date)
                    ? date
                    : s;
            case JsonValueKind.Number:
                if (element.TryGetInt32(out var i)) return i;
                if (element.TryGetInt64(out var l)) return l;
                var raw = element.GetRawText();
                if (!raw.Contains('e', StringComparison.OrdinalIgnoreCase) && element.TryGetDecimal(out var m) && raw.Contains('.') is false) return m;
                return element.GetDouble();
            case JsonValueKind.True:
                return true;
            case JsonValueKind.False:
                return false;
            default:
                return null;
        }
    }
}
