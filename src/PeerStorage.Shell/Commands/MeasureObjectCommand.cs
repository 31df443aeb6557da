using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Measure-Object as in pwsh's Utility module: the count of the input and, on request, the sum, average,
/// maximum, minimum and standard deviation of the input or of each -Property; -Line/-Word/-Character for text.
/// </summary>
[Cmdlet(VerbsDiagnostic.Measure, "Object", DefaultParameterSetName = GenericSet)]
public sealed class MeasureObjectCommand : PSCmdlet
{
    private const string GenericSet = "GenericMeasure";
    private const string TextSet = "TextMeasure";

    private readonly List<PSObject> _inputs = [];

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Position = 0)]
    [ValidateNotNullOrEmpty]
    public object[]? Property { get; set; }

    [Parameter(ParameterSetName = GenericSet)] public SwitchParameter StandardDeviation { get; set; }
    [Parameter(ParameterSetName = GenericSet)] public SwitchParameter Sum { get; set; }
    [Parameter(ParameterSetName = GenericSet)] public SwitchParameter AllStats { get; set; }
    [Parameter(ParameterSetName = GenericSet)] public SwitchParameter Average { get; set; }
    [Parameter] public SwitchParameter Maximum { get; set; }
    [Parameter] public SwitchParameter Minimum { get; set; }
    [Parameter(ParameterSetName = TextSet)] public SwitchParameter Line { get; set; }
    [Parameter(ParameterSetName = TextSet)] public SwitchParameter Word { get; set; }
    [Parameter(ParameterSetName = TextSet)] public SwitchParameter Character { get; set; }
    [Parameter(ParameterSetName = TextSet)] public SwitchParameter IgnoreWhiteSpace { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _inputs.Add(InputObject);
        }
    }

    protected override void EndProcessing()
    {
        if (ParameterSetName == TextSet)
        {
            WriteObject(MeasureText());
            return;
        }

        if (Property is null)
        {
            WriteObject(Measure(_inputs.Select(i => (object?)i), string.Empty));
            return;
        }

        foreach (var spec in Property.Select(PropertySpec.Parse))
        {
            var values = new List<object?>();
            var names = new List<string>();
            foreach (var input in _inputs)
            {
                foreach (var (name, value) in spec.Evaluate(input))
                {
                    if (!names.Contains(name, StringComparer.OrdinalIgnoreCase))
                    {
                        names.Add(name);
                    }

                    if (input.BaseObject is not System.Collections.IDictionary && input.Properties[name] is null && spec.Label is null)
                    {
                        continue;
                    }

                    values.Add(value);
                }
            }

            if (values.Count == 0 && _inputs.Count > 0)
            {
                WriteError(new ErrorRecord(
                    new PSArgumentException($"The property \"{spec.Expression}\" cannot be found in the input for any objects."),
                    "GenericMeasurePropertyNotFound,Microsoft.PowerShell.Commands.MeasureObjectCommand",
                    ErrorCategory.InvalidArgument,
                    spec.Expression.ToString()));
                continue;
            }

            WriteObject(Measure(values, names.FirstOrDefault() ?? spec.Expression.ToString()));
        }
    }

    private PSObject Measure(IEnumerable<object?> values, string property)
    {
        var all = AllStats.IsPresent;
        var present = values.Where(v => v is not null).Select(v => v is PSObject p ? p.BaseObject : v!).ToList();
        double? sum = null, average = null, deviation = null;
        object? maximum = null, minimum = null;

        var numbers = present.Select(ToNumber).ToList();
        var numeric = numbers.All(n => n is not null);
        if (Sum.IsPresent || Average.IsPresent || StandardDeviation.IsPresent || all)
        {
            if (!numeric)
            {
                ThrowTerminatingError(new ErrorRecord(
                    new PSInvalidOperationException("Input object is not numeric."),
                    "NonNumericInputObject,Microsoft.PowerShell.Commands.MeasureObjectCommand",
                    ErrorCategory.InvalidType,
                    present.FirstOrDefault(v => ToNumber(v) is null)));
            }

            var list = numbers.Select(n => n!.Value).ToList();
            if (Sum.IsPresent || all) sum = list.Sum();
            if ((Average.IsPresent || all) && list.Count > 0) average = list.Average();
            if ((StandardDeviation.IsPresent || all) && list.Count > 1)
            {
                var mean = list.Average();
                deviation = Math.Sqrt(list.Sum(v => (v - mean) * (v - mean)) / (list.Count - 1));
            }
        }

        if ((Maximum.IsPresent || Minimum.IsPresent || all) && present.Count > 0)
        {
            if (numeric)
            {
                maximum = numbers.Max();
                minimum = numbers.Min();
            }
            else
            {
                maximum = present.Aggregate((a, b) => LanguagePrimitives.Compare(a, b, true) >= 0 ? a : b);
                minimum = present.Aggregate((a, b) => LanguagePrimitives.Compare(a, b, true) <= 0 ? a : b);
            }
        }

        var result = new PSObject();
        result.TypeNames.Insert(0, "Microsoft.PowerShell.Commands.GenericMeasureInfo");
        result.Properties.Add(new PSNoteProperty("Count", present.Count));
        result.Properties.Add(new PSNoteProperty("Average", average));
        result.Properties.Add(new PSNoteProperty("Sum", sum));
        result.Properties.Add(new PSNoteProperty("Maximum", Maximum.IsPresent || all ? maximum : null));
        result.Properties.Add(new PSNoteProperty("Minimum", Minimum.IsPresent || all ? minimum : null));
        result.Properties.Add(new PSNoteProperty("StandardDeviation", deviation));
        result.Properties.Add(new PSNoteProperty("Property", property));
        return result;
    }

    private PSObject MeasureText()
    {
        int lines = 0, words = 0, characters = 0;
        foreach (var input in _inputs)
        {
            var text = input.BaseObject as string ?? input.ToString();
            lines += text.Split('\n').Length - (text.EndsWith('\n') ? 1 : 0);
            words += text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            characters += IgnoreWhiteSpace.IsPresent ? text.Count(c => !char.IsWhiteSpace(c)) : text.Length;
        }

        var result = new PSObject();
        result.TypeNames.Insert(0, "Microsoft.PowerShell.Commands.TextMeasureInfo");
        result.Properties.Add(new PSNoteProperty("Lines", Line.IsPresent ? lines : null));
        result.Properties.Add(new PSNoteProperty("Words", Word.IsPresent ? words : null));
        result.Properties.Add(new PSNoteProperty("Characters", Character.IsPresent ? characters : null));
        result.Properties.Add(new PSNoteProperty("Property", string.Empty));
        return result;
    }

    private static double? ToNumber(object value)
    {
        if (value is string s && string.IsNullOrWhiteSpace(s))
        {
            return null;
        }

        return LanguagePrimitives.TryConvertTo<double>(value, out var number) && value is not bool ? number : null;
    }
}
