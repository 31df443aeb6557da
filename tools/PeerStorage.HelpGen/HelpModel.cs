namespace PeerStorage.HelpGen;

/// <summary>A type as help shows it: the full name for the type field, a short name for syntax lines.</summary>
public sealed record TypeName(string FullName, string ShortName);

/// <summary>How a parameter takes part in one parameter set.</summary>
public sealed record ParameterSetUsage(string SetName, bool Mandatory, int? Position, bool ValueFromPipeline, bool ValueFromPipelineByPropertyName);

/// <summary>One parameter of a cmdlet, with its help text and its attributes in every set it belongs to.</summary>
public sealed record ParameterHelp(
    string Name,
    TypeName Type,
    bool IsSwitch,
    IReadOnlyList<string> Description,
    IReadOnlyList<string> Aliases,
    string? DefaultValue,
    IReadOnlyList<string> PossibleValues,
    bool SupportsWildcards,
    IReadOnlyList<ParameterSetUsage> Sets)
{
    /// <summary>In the parameters section a parameter is required only when every set requires it.</summary>
    public bool Required => Sets.Count > 0 && Sets.All(s => s.Mandatory);

    public int? Position => Sets.Select(s => s.Position).FirstOrDefault(p => p is not null);

    public string PipelineInput
    {
        get
        {
            var ways = new List<string>();
            if (Sets.Any(s => s.ValueFromPipeline)) ways.Add("ByValue");
            if (Sets.Any(s => s.ValueFromPipelineByPropertyName)) ways.Add("ByPropertyName");
            return ways.Count == 0 ? "False" : $"True ({string.Join(", ", ways)})";
        }
    }
}

/// <summary>One syntax line: a parameter set with its parameters in the order help shows them.</summary>
public sealed record SyntaxHelp(string SetName, IReadOnlyList<(ParameterHelp Parameter, ParameterSetUsage Usage)> Parameters);

/// <summary>An input or output type with a line that says what it is.</summary>
public sealed record TypeHelp(string Name, string Description);

public sealed record ExampleHelp(string Title, string Code, IReadOnlyList<string> Remarks);

/// <summary>A related link: a command or topic name, or a URI with its text.</summary>
public sealed record LinkHelp(string Text, string? Uri);

/// <summary>Everything the MAML file says about one cmdlet.</summary>
public sealed record CmdletHelp(
    string Name,
    string Verb,
    string Noun,
    string ImplementingType,
    string? Synopsis,
    IReadOnlyList<string> Description,
    IReadOnlyList<SyntaxHelp> Syntax,
    IReadOnlyList<ParameterHelp> Parameters,
    IReadOnlyList<TypeHelp> Inputs,
    IReadOnlyList<TypeHelp> Outputs,
    IReadOnlyList<string> Notes,
    IReadOnlyList<ExampleHelp> Examples,
    IReadOnlyList<LinkHelp> Links);
