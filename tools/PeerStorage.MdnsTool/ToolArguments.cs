namespace PeerStorage.MdnsTool;

/// <summary>"--name value" options, repeatable ones collected in order, and "--flag" switches.</summary>
internal sealed class ToolArguments
{
    private readonly Dictionary<string, List<string>> _values = new(StringComparer.Ordinal);
    private readonly HashSet<string> _flags = new(StringComparer.Ordinal);

    public ToolArguments(IEnumerable<string> args, IReadOnlySet<string> flagNames)
    {
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (!name.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"Unexpected argument '{name}'.");
            name = name[2..];
            if (flagNames.Contains(name))
            {
                _flags.Add(name);
                continue;
            }
            if (!e.MoveNext()) throw new UsageException($"--{name} needs a value.");
            if (!_values.TryGetValue(name, out var list)) _values[name] = list = [];
            list.Add(e.Current);
        }
    }

    public bool Flag(string name) => _flags.Contains(name);
    public string? Value(string name) => _values.TryGetValue(name, out var list) ? list[^1] : null;
    public IReadOnlyList<string> Values(string name) => _values.TryGetValue(name, out var list) ? list : [];
    public string Required(string name) => Value(name) ?? throw new UsageException($"--{name} is required.");

    public int Int(string name, int fallback) =>
        Value(name) is { } text ? int.TryParse(text, out var v) ? v : throw new UsageException($"--{name} takes a number.") : fallback;

    public double Double(string name, double fallback) =>
        Value(name) is { } text
            ? double.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var v) ? v : throw new UsageException($"--{name} takes a number.")
            : fallback;
}

internal sealed class UsageException(string message) : Exception(message);
