using System.Globalization;
using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Sort-Object as in pwsh's Utility module: by the objects themselves or by -Property (names, script blocks,
/// hashtables with Expression and Ascending/Descending), -Descending, -Unique, -CaseSensitive, -Top/-Bottom.
/// The sort is stable, and values compare as PowerShell compares them (numbers as numbers).
/// </summary>
[Cmdlet("Sort", "Object", DefaultParameterSetName = DefaultSet)]
public sealed class SortObjectCommand : PSCmdlet
{
    private const string DefaultSet = "Default";
    private const string TopSet = "Top";
    private const string BottomSet = "Bottom";

    private readonly List<PSObject> _inputs = [];

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Position = 0)]
    public object[]? Property { get; set; }

    [Parameter]
    public SwitchParameter Descending { get; set; }

    [Parameter]
    public SwitchParameter Unique { get; set; }

    [Parameter]
    public SwitchParameter CaseSensitive { get; set; }

    [Parameter]
    public string? Culture { get; set; }

    [Parameter]
    public SwitchParameter Stable { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = TopSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Top { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = BottomSet)]
    [ValidateRange(1, int.MaxValue)]
    public int Bottom { get; set; }

    protected override void ProcessRecord()
    {
        if (InputObject is not null)
        {
            _inputs.Add(InputObject);
        }
    }

    protected override void EndProcessing()
    {
        var keys = (Property ?? []).Select(Key.Parse).ToList();
        var culture = Culture is null ? CultureInfo.CurrentCulture : CultureInfo.GetCultureInfo(Culture);
        var rows = _inputs.Select(input => (Input: input, Values: keys.Count == 0 ? [input.BaseObject] : keys.Select(k => k.Value(input)).ToArray())).ToList();

        int Compare((PSObject Input, object?[] Values) a, (PSObject Input, object?[] Values) b)
        {
            for (var i = 0; i < a.Values.Length; i++)
            {
                var descending = keys.Count > i && keys[i].Descending is { } own ? own : Descending.IsPresent;
                var order = CompareValues(a.Values[i], b.Values[i], culture);
                if (order != 0)
                {
                    return descending ? -order : order;
                }
            }

            return 0;
        }

        IEnumerable<(PSObject Input, object?[] Values)> sorted = rows.Order(Comparer<(PSObject Input, object?[] Values)>.Create(Compare)).ToList();
        if (Unique.IsPresent)
        {
            var kept = new List<(PSObject Input, object?[] Values)>();
            foreach (var row in sorted)
            {
                if (kept.Count == 0 || Compare(kept[^1], row) != 0)
                {
                    kept.Add(row);
                }
            }

            sorted = kept;
        }

        if (ParameterSetName == TopSet)
        {
            sorted = sorted.Take(Top);
        }
        else if (ParameterSetName == BottomSet)
        {
            var list = sorted.ToList();
            sorted = list.Skip(Math.Max(0, list.Count - Bottom));
        }

        foreach (var row in sorted)
        {
            WriteObject(row.Input);
        }
    }

    private int CompareValues(object? a, object? b, CultureInfo culture)
    {
        a = a is PSObject pa ? pa.BaseObject : a;
        b = b is PSObject pb ? pb.BaseObject : b;
        if (a is null || b is null)
        {
            return a is null ? (b is null ? 0 : -1) : 1;
        }

        if (a is string sa && b is string sb)
        {
            return string.Compare(sa, sb, culture, CaseSensitive.IsPresent ? CompareOptions.None : CompareOptions.IgnoreCase);
        }

        try
        {
            return LanguagePrimitives.Compare(a, b, !CaseSensitive.IsPresent, culture);
        }
        catch (Exception e) when (e is ArgumentException or PSInvalidCastException or InvalidCastException)
        {
            return string.Compare(a.ToString(), b.ToString(), culture, CaseSensitive.IsPresent ? CompareOptions.None : CompareOptions.IgnoreCase);
        }
    }

    private sealed class Key
    {
        private PropertySpec _spec = null!;

        public bool? Descending { get; private set; }

        public static Key Parse(object entry)
        {
            var raw = entry is PSObject p ? p.BaseObject : entry;
            bool? descending = null;
            if (raw is System.Collections.IDictionary table)
            {
                // Sort-Object's hashtables also take Ascending/Descending; the rest is a calculated property.
                var copy = new System.Collections.Hashtable();
                foreach (System.Collections.DictionaryEntry item in table)
                {
                    var name = item.Key?.ToString() ?? string.Empty;
                    if (name.Length > 0 && "Descending".StartsWith(name, StringComparison.OrdinalIgnoreCase))
                    {
                        descending = LanguagePrimitives.IsTrue(item.Value);
                    }
                    else if (name.Length > 0 && "Ascending".StartsWith(name, StringComparison.OrdinalIgnoreCase))
                    {
                        descending = !LanguagePrimitives.IsTrue(item.Value);
                    }
                    else
                    {
                        copy[item.Key!] = item.Value;
                    }
                }

                raw = copy;
            }

            return new Key { _spec = PropertySpec.Parse(raw), Descending = descending };
        }

        public object? Value(PSObject input) => _spec.Evaluate(input).Select(v => v.Value).FirstOrDefault();
    }
}
