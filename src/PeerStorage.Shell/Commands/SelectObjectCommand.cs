using System.Management.Automation;
using System.Reflection;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Select-Object as in pwsh's Utility module: -Property (names, wildcards, calculated properties),
/// -ExcludeProperty, -ExpandProperty, -First/-Last/-Skip/-SkipLast, -Index and -Unique.
/// </summary>
[Cmdlet(VerbsCommon.Select, "Object", DefaultParameterSetName = DefaultSet)]
public sealed class SelectObjectCommand : PSCmdlet
{
    private const string DefaultSet = "DefaultParameter";
    private const string SkipLastSet = "SkipLastParameter";
    private const string IndexSet = "IndexParameter";

    private readonly List<PSObject> _held = [];
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);
    private List<PropertySpec>? _specs;
    private HashSet<int>? _indexes;
    private int _position;
    private int _written;

    [Parameter(ValueFromPipeline = true)]
    public PSObject? InputObject { get; set; }

    [Parameter(Position = 0, ParameterSetName = DefaultSet)]
    [Parameter(Position = 0, ParameterSetName = SkipLastSet)]
    public object[]? Property { get; set; }

    [Parameter(ParameterSetName = DefaultSet)]
    [Parameter(ParameterSetName = SkipLastSet)]
    public string[]? ExcludeProperty { get; set; }

    [Parameter(ParameterSetName = DefaultSet)]
    [Parameter(ParameterSetName = SkipLastSet)]
    public string? ExpandProperty { get; set; }

    [Parameter]
    public SwitchParameter Unique { get; set; }

    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateRange(0, int.MaxValue)]
    public int Last { get; set; }

    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateRange(0, int.MaxValue)]
    public int First { get; set; }

    [Parameter(ParameterSetName = DefaultSet)]
    [ValidateRange(0, int.MaxValue)]
    public int Skip { get; set; }

    [Parameter(ParameterSetName = SkipLastSet)]
    [ValidateRange(0, int.MaxValue)]
    public int SkipLast { get; set; }

    [Parameter(ParameterSetName = IndexSet)]
    [ValidateRange(0, int.MaxValue)]
    public int[]? Index { get; set; }

    protected override void BeginProcessing()
    {
        _specs = Property?.Select(PropertySpec.Parse).ToList();
        _indexes = Index?.ToHashSet();
    }

    protected override void ProcessRecord()
    {
        if (InputObject is null)
        {
            return;
        }

        var position = _position++;
        if (_indexes is not null)
        {
            if (_indexes.Contains(position))
            {
                Emit(InputObject);
            }

            return;
        }

        if (ParameterSetName == SkipLastSet || MyInvocation.BoundParameters.ContainsKey(nameof(Last)))
        {
            _held.Add(InputObject);
            return;
        }

        if (position < Skip)
        {
            return;
        }

        var firstBound = MyInvocation.BoundParameters.ContainsKey(nameof(First));
        if (firstBound && _written >= First)
        {
            StopUpstream();
            return;
        }

        Emit(InputObject);
        if (firstBound && _written >= First)
        {
            StopUpstream();
        }
    }

    protected override void EndProcessing()
    {
        IEnumerable<PSObject> rest = _held;
        if (ParameterSetName == SkipLastSet)
        {
            rest = _held.Take(Math.Max(0, _held.Count - SkipLast));
        }
        else if (MyInvocation.BoundParameters.ContainsKey(nameof(Last)))
        {
            var kept = _held.Skip(Skip).ToList();
            var first = MyInvocation.BoundParameters.ContainsKey(nameof(First)) ? Math.Min(First, kept.Count) : 0;
            rest = kept.Take(first).Concat(kept.Skip(Math.Max(first, kept.Count - Last)));
        }
        else
        {
            return;
        }

        foreach (var item in rest)
        {
            Emit(item);
        }
    }

    private void Emit(PSObject input)
    {
        foreach (var output in Select(input))
        {
            if (Unique.IsPresent && !_seen.Add(UniqueKey(output)))
            {
                continue;
            }

            _written++;
            WriteObject(output);
        }
    }

    private IEnumerable<PSObject> Select(PSObject input)
    {
        if (_specs is null && ExpandProperty is null && ExcludeProperty is null)
        {
            yield return input;
            yield break;
        }

        var selected = new PSObject();
        var properties = new List<(string Name, object? Value)>();
        if (_specs is not null)
        {
            foreach (var spec in _specs)
            {
                properties.AddRange(spec.Evaluate(input));
            }
        }
        else if (ExpandProperty is null)
        {
            properties.AddRange(input.Properties.Where(p => p.IsGettable).Select(p => (p.Name, SafeValue(p))));
        }

        var excluded = (ExcludeProperty ?? []).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();
        foreach (var (name, propertyValue) in properties)
        {
            if (excluded.Any(p => p.IsMatch(name)) || selected.Properties[name] is not null)
            {
                continue;
            }

            selected.Properties.Add(new PSNoteProperty(name, propertyValue));
        }

        if (ExpandProperty is null)
        {
            var typeName = input.TypeNames.Count > 0 ? input.TypeNames[0] : "System.Object";
            selected.TypeNames.Insert(0, "Selected." + typeName);
            yield return selected;
            yield break;
        }

        var expanded = new Microsoft.PowerShell.Commands.PSPropertyExpression(ExpandProperty).ResolveNames(input);
        if (expanded.Count != 1)
        {
            WriteError(new ErrorRecord(
                new PSArgumentException($"Property \"{ExpandProperty}\" cannot be found."),
                "ExpandPropertyNotFound,Microsoft.PowerShell.Commands.SelectObjectCommand",
                ErrorCategory.InvalidArgument,
                input));
            yield break;
        }

        var values = expanded[0].GetValues(input);
        var value = values.Count == 0 ? null : values[0].Result;
        var items = LanguagePrimitives.GetEnumerable(value) is { } enumerable
            ? enumerable.Cast<object?>()
            : [value];
        foreach (var item in items)
        {
            if (item is null)
            {
                continue;
            }

            var result = PSObject.AsPSObject(item);
            foreach (var added in selected.Properties)
            {
                if (result.Properties[added.Name] is null)
                {
                    result.Properties.Add(new PSNoteProperty(added.Name, added.Value));
                }
            }

            yield return result;
        }
    }

    private static object? SafeValue(PSPropertyInfo property)
    {
        try
        {
            return property.Value;
        }
        catch (Exception e) when (e is GetValueException or ExtendedTypeSystemException)
        {
            return null;
        }
    }

    private static string UniqueKey(PSObject value)
    {
        if (value.BaseObject is not PSCustomObject)
        {
            return value.BaseObject.GetType().FullName + "\u0001" + value;
        }

        return string.Join("\u0001", value.Properties.Select(p => p.Name + "=" + SafeValue(p)));
    }

    // As pwsh does: once -First has what it wants, the commands before it stop (1..1e9 | Select -First 1 ends).
    private void StopUpstream()
    {
        var type = typeof(PSObject).Assembly.GetType("System.Management.Automation.StopUpstreamCommandsException");
        var constructor = type?.GetConstructors(BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public)
            .FirstOrDefault(c => c.GetParameters().Length == 1);
        if (constructor?.Invoke([this]) is Exception stop)
        {
            throw stop;
        }
    }
}
