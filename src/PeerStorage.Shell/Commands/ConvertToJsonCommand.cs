using System.Collections;
using System.Globalization;
using System.Management.Automation;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// ConvertTo-Json as in pwsh's Utility module: objects become JSON objects of their properties, dictionaries
/// objects of their keys, collections arrays; below -Depth (2 by default) an object is written as its string.
/// Several pipeline inputs make one array, as in pwsh.
/// </summary>
[Cmdlet(VerbsData.ConvertTo, "Json")]
[OutputType(typeof(string))]
public sealed class ConvertToJsonCommand : PSCmdlet
{
    private readonly List<object?> _inputs = [];
    private bool _depthWarned;

    [Parameter(Position = 0, Mandatory = true, ValueFromPipeline = true)]
    [AllowNull]
    public object? InputObject { get; set; }

    [Parameter]
    [ValidateRange(0, 100)]
    public int Depth { get; set; } = 2;

    [Parameter]
    public SwitchParameter Compress { get; set; }

    [Parameter]
    public SwitchParameter EnumsAsStrings { get; set; }

    [Parameter]
    public SwitchParameter AsArray { get; set; }

    protected override void ProcessRecord() => _inputs.Add(InputObject);

    protected override void EndProcessing()
    {
        if (_inputs.Count == 0)
        {
            return;
        }

        var value = _inputs.Count > 1 || AsArray.IsPresent ? (object)_inputs : _inputs[0];
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = !Compress.IsPresent,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            SkipValidation = true,
        }))
        {
            Write(writer, value, 0);
        }

        WriteObject(Encoding.UTF8.GetString(buffer.ToArray()).ReplaceLineEndings());
    }

    private void Write(Utf8JsonWriter writer, object? value, int depth)
    {
        var wrapped = value as PSObject;
        var baseObject = wrapped?.BaseObject ?? value;
        switch (baseObject)
        {
            case null:
                writer.WriteNullValue();
                return;
            case string s:
                writer.WriteStringValue(s);
                return;
            case char c:
                writer.WriteStringValue(c.ToString());
                return;
            case bool b:
                writer.WriteBooleanValue(b);
                return;
            case Enum e:
                if (EnumsAsStrings.IsPresent)
                {
                    writer.WriteStringValue(e.ToString());
                }
                else
                {
                    writer.WriteRawValue(Convert.ToInt64(e, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture), skipInputValidation: true);
                }

                return;
            case byte or sbyte or short or ushort or int or uint or long or ulong or decimal:
                writer.WriteRawValue(((IFormattable)baseObject).ToString(null, CultureInfo.InvariantCulture), skipInputValidation: true);
                return;
            case double d:
                WriteFloat(writer, d);
                return;
            case float f:
                WriteFloat(writer, f);
                return;
            case DateTime dt:
                // pwsh's (Json.NET's) ISO layout: no trailing zeros in the fraction; Z or the offset by kind.
                writer.WriteStringValue(dt.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", CultureInfo.InvariantCulture));
                return;
            case DateTimeOffset dto:
                writer.WriteStringValue(dto.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture));
                return;
            case Guid or Uri or System.Net.IPAddress or ScriptBlock:
                writer.WriteStringValue(baseObject.ToString());
                return;
        }

        if (depth > Depth)
        {
            WarnDepth();
            writer.WriteStringValue(LanguagePrimitives.ConvertTo<string>(value));
            return;
        }

        if (baseObject is IDictionary dictionary)
        {
            writer.WriteStartObject();
            foreach (DictionaryEntry entry in dictionary)
            {
                writer.WritePropertyName(entry.Key?.ToString() ?? string.Empty);
                Write(writer, entry.Value, depth + 1);
            }

            WriteExtraNotes(writer, wrapped, depth);
            writer.WriteEndObject();
            return;
        }

        if (baseObject is IEnumerable enumerable)
        {
            writer.WriteStartArray();
            foreach (var item in enumerable)
            {
                Write(writer, item, depth + 1);
            }

            writer.WriteEndArray();
            return;
        }

        writer.WriteStartObject();
        var psObject = wrapped ?? PSObject.AsPSObject(baseObject);
        var members = baseObject is PSCustomObject
            ? psObject.Properties.Where(p => p is PSNoteProperty or PSScriptProperty or PSAliasProperty or PSCodeProperty or PSProperty)
            : psObject.Properties.Where(p => p.IsGettable && p.MemberType is PSMemberTypes.Property or PSMemberTypes.NoteProperty
                or PSMemberTypes.AliasProperty or PSMemberTypes.ScriptProperty or PSMemberTypes.CodeProperty);
        foreach (var property in members)
        {
            object? propertyValue;
            try
            {
                propertyValue = property.Value;
            }
            catch (Exception e) when (e is GetValueException or ExtendedTypeSystemException)
            {
                propertyValue = null;
            }

            writer.WritePropertyName(property.Name);
            Write(writer, propertyValue, depth + 1);
        }

        writer.WriteEndObject();
    }

    // Note properties added to a dictionary through a PSObject (Add-Member) are written too, as in pwsh.
    private void WriteExtraNotes(Utf8JsonWriter writer, PSObject? wrapped, int depth)
    {
        if (wrapped is null)
        {
            return;
        }

        foreach (var note in wrapped.Properties.Match("*", PSMemberTypes.NoteProperty))
        {
            writer.WritePropertyName(note.Name);
            Write(writer, note.Value, depth + 1);
        }
    }

    private static void WriteFloat(Utf8JsonWriter writer, double value)
    {
        if (double.IsNaN(value) || double.IsInfinity(value))
        {
            writer.WriteStringValue(value.ToString(CultureInfo.InvariantCulture));
            return;
        }

        writer.WriteRawValue(value.ToString("R", CultureInfo.InvariantCulture), skipInputValidation: true);
    }

    private void WarnDepth()
    {
        if (!_depthWarned)
        {
            _depthWarned = true;
            WriteWarning($"Resulting JSON is truncated as serialization has exceeded the set depth of {Depth}.");
        }
    }
}
