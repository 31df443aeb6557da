using System.Reflection;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PeerStorage.HelpGen;

/// <summary>
/// Builds the help of every cmdlet class in an assembly (loaded for inspection only) from its attributes and its
/// XML doc comments. The doc-comment conventions are those of src/PeerStorage.PowerShell:
/// the class &lt;summary&gt; holds &lt;para type="synopsis"&gt; and &lt;para type="description"&gt;;
/// each &lt;example&gt; has a &lt;code&gt; and &lt;para&gt; remarks; each parameter's &lt;summary&gt; has &lt;para&gt;s;
/// &lt;remarks&gt; become notes; &lt;seealso&gt; and &lt;para type="link"&gt; become related links.
/// </summary>
public sealed partial class CmdletReader(DocComments docs, IReadOnlyList<string> extraLinks)
{
    private const string AllSets = "__AllParameterSets";

    /// <summary>Types help can describe better than their (absent) doc comments.</summary>
    private static readonly Dictionary<string, string> WellKnownOutputs = new()
    {
        ["System.Management.Automation.Job"] = "A PowerShell job: Get-Job, Wait-Job, Receive-Job, Stop-Job and Remove-Job work on it.",
    };

    public IReadOnlyList<CmdletHelp> Read(Assembly assembly)
    {
        var cmdlets = assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.Single("CmdletAttribute") is not null)
            .Select(t => (Type: t, Name: CmdletName(t)))
            .OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)
            .ToList();
        var names = cmdlets.ToDictionary(c => DocComments.TypeId(c.Type), c => c.Name);
        docs.CrefName = cref => names.GetValueOrDefault(cref);
        // Objects that any cmdlet outputs: what a by-property-name parameter can take from the pipeline.
        var outputTypes = cmdlets.SelectMany(c => OutputTypes(c.Type)).OfType<Type>().DistinctBy(t => t.FullName).ToList();
        return cmdlets.Select(c => Describe(c.Type, c.Name, cmdlets.Select(o => o.Name), outputTypes)).ToList();
    }

    private static string CmdletName(Type type)
    {
        var cmdlet = type.Single("CmdletAttribute")!;
        return $"{cmdlet.Argument(0)}-{cmdlet.Argument(1)}";
    }

    private CmdletHelp Describe(Type type, string name, IEnumerable<string> allCmdlets, IReadOnlyList<Type> outputTypes)
    {
        var cmdlet = type.Single("CmdletAttribute")!;
        var doc = docs.Member(DocComments.TypeId(type));
        var summary = doc?.Element("summary");
        var synopsis = docs.Paragraphs(summary, "synopsis").FirstOrDefault();
        var description = docs.Paragraphs(summary, "description");
        if (description.Count == 0 && synopsis is not null) description = [synopsis];

        var parameters = Parameters(type).ToList();
        if (cmdlet.Named<bool>("SupportsShouldProcess")) parameters.AddRange(ShouldProcessParameters());

        var noun = (string)cmdlet.Argument(1)!;
        return new CmdletHelp(
            Name: name,
            Verb: (string)cmdlet.Argument(0)!,
            Noun: noun,
            ImplementingType: type.FullName!,
            Synopsis: synopsis,
            Description: description,
            Syntax: Syntax(parameters, cmdlet.Named<string>("DefaultParameterSetName")),
            Parameters: parameters,
            Inputs: Inputs(parameters, outputTypes),
            Outputs: Outputs(type),
            Notes: docs.Paragraphs(doc?.Element("remarks")),
            Examples: Examples(doc),
            Links: Links(doc, summary, name, noun, allCmdlets));
    }

    private IEnumerable<ParameterHelp> Parameters(Type type)
    {
        // Inherited parameters first (-NodePath leads on every node cmdlet), then in declaration order.
        var properties = type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => (Property: p, Depth: Depth(p.DeclaringType!)))
            .OrderBy(p => p.Depth).ThenBy(p => p.Property.MetadataToken);
        foreach (var (property, _) in properties)
        {
            var attributes = property.OfType("ParameterAttribute").ToList();
            if (attributes.Count == 0 || attributes.All(a => a.Named<bool>("DontShow"))) continue;
            var sets = attributes.Select(a => new ParameterSetUsage(
                a.Named<string>("ParameterSetName") ?? AllSets,
                a.Named<bool>("Mandatory"),
                a.Named("Position", int.MinValue) is var position && position != int.MinValue ? position : (int?)null,
                a.Named<bool>("ValueFromPipeline"),
                a.Named<bool>("ValueFromPipelineByPropertyName"))).ToList();
            var valueType = Unwrap(property.PropertyType);
            var isSwitch = valueType.FullName == Attributes.PowerShellNamespace + "SwitchParameter";
            var description = docs.Paragraphs(PropertyDoc(property)?.Element("summary"));
            yield return new ParameterHelp(
                Name: property.Name,
                Type: new TypeName(valueType.FullName ?? valueType.Name, ShortName(valueType)),
                IsSwitch: isSwitch,
                Description: description,
                Aliases: property.OfType("AliasAttribute").SelectMany(a => a.Arguments()).OfType<string>().ToList(),
                DefaultValue: DefaultValue(property, description, isSwitch),
                PossibleValues: PossibleValues(property, valueType),
                SupportsWildcards: property.Single("SupportsWildcardsAttribute") is not null,
                Sets: sets);
        }
    }

    private static int Depth(Type type)
    {
        var depth = 0;
        for (var t = type.BaseType; t is not null; t = t.BaseType) depth++;
        return depth;
    }

    /// <summary>The doc comment of a property: on its declaring type, or on the base declaration it overrides.</summary>
    private XElement? PropertyDoc(PropertyInfo property)
    {
        for (var type = property.DeclaringType; type is not null; type = type.BaseType)
            if (docs.Member(DocComments.PropertyId(type, property.Name)) is { } doc && doc.Element("summary") is not null)
                return doc;
        return null;
    }

    /// <summary>[PSDefaultValue] when the cmdlet states one, else a "Defaults to X." sentence of the description.</summary>
    private static string? DefaultValue(PropertyInfo property, IReadOnlyList<string> description, bool isSwitch)
    {
        if (property.Single("PSDefaultValueAttribute") is { } stated)
            return stated.Named<object>("Value")?.ToString() ?? stated.Named<string>("Help");
        if (isSwitch) return "False";
        foreach (var paragraph in description)
            if (DefaultsTo().Match(paragraph) is { Success: true } match)
                return match.Groups["value"].Value;
        return null;
    }

    private static IReadOnlyList<string> PossibleValues(PropertyInfo property, Type valueType)
    {
        if (property.Single("ValidateSetAttribute") is { } set) return set.Arguments().OfType<string>().ToList();
        var element = valueType.IsArray ? Unwrap(valueType.GetElementType()!) : valueType;
        return element.IsEnum
            ? element.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral).Select(f => f.Name).ToList()
            : [];
    }

    private static IEnumerable<ParameterHelp> ShouldProcessParameters()
    {
        var type = new TypeName(Attributes.PowerShellNamespace + "SwitchParameter", "SwitchParameter");
        ParameterSetUsage[] everywhere = [new(AllSets, false, null, false, false)];
        yield return new ParameterHelp("WhatIf", type, true, ["Shows what would happen if the cmdlet runs. The cmdlet is not run."],
            ["wi"], "False", [], false, everywhere);
        yield return new ParameterHelp("Confirm", type, true, ["Prompts you for confirmation before running the cmdlet."],
            ["cf"], "False", [], false, everywhere);
    }

    private static IReadOnlyList<SyntaxHelp> Syntax(IReadOnlyList<ParameterHelp> parameters, string? defaultSet)
    {
        var named = parameters.SelectMany(p => p.Sets).Select(s => s.SetName).Where(s => s != AllSets).Distinct().ToList();
        if (named.Count == 0) named.Add(AllSets);
        // The default set is the first syntax line, as Get-Command shows it.
        var ordered = named.OrderBy(s => s == defaultSet ? 0 : 1).ThenBy(s => named.IndexOf(s));
        return ordered.Select(set =>
        {
            var members = parameters
                .Select(p => (Parameter: p, Usage: p.Sets.FirstOrDefault(s => s.SetName == set) ?? p.Sets.FirstOrDefault(s => s.SetName == AllSets)))
                .Where(m => m.Usage is not null)
                .Select((m, index) => (m.Parameter, Usage: m.Usage!, Index: index))
                .OrderBy(m => m.Usage.Position is null ? 1 : 0).ThenBy(m => m.Usage.Position)
                .ThenBy(m => m.Usage.Mandatory ? 0 : 1)
                .ThenBy(m => m.Parameter.IsSwitch ? 1 : 0)
                .ThenBy(m => m.Index)
                .Select(m => (m.Parameter, m.Usage))
                .ToList();
            return new SyntaxHelp(set, members);
        }).ToList();
    }

    private static IReadOnlyList<TypeHelp> Inputs(IReadOnlyList<ParameterHelp> parameters, IReadOnlyList<Type> outputTypes)
    {
        var inputs = new List<TypeHelp>();
        foreach (var parameter in parameters.Where(p => p.PipelineInput != "False"))
        {
            var lines = new List<string>();
            if (parameter.Sets.Any(s => s.ValueFromPipeline))
                lines.Add($"You can pipe a {parameter.Type.ShortName} to -{parameter.Name}.");
            if (parameter.Sets.Any(s => s.ValueFromPipelineByPropertyName))
            {
                var names = new[] { parameter.Name }.Concat(parameter.Aliases).ToList();
                var carriers = outputTypes
                    .Where(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance).Any(p => names.Contains(p.Name, StringComparer.OrdinalIgnoreCase)))
                    .Select(t => t.FullName).ToList();
                var such = carriers.Count == 0 ? "" : $", such as {string.Join(" or ", carriers)}";
                lines.Add($"-{parameter.Name} takes the {string.Join(" or ", names)} property of piped objects{such}.");
            }
            inputs.Add(new TypeHelp(parameter.Type.FullName, string.Join(" ", lines)));
        }
        return inputs.Count > 0 ? inputs : [new TypeHelp("None", "You cannot pipe objects to this cmdlet.")];
    }

    private IReadOnlyList<TypeHelp> Outputs(Type type)
    {
        var outputs = new List<TypeHelp>();
        foreach (var output in OutputTypes(type))
        {
            switch (output)
            {
                case Type { FullName: "System.Void" }:
                    outputs.Add(new TypeHelp("None", "This cmdlet returns no output."));
                    break;
                case Type t:
                    var summary = docs.Member(DocComments.TypeId(t))?.Element("summary") is { } s ? docs.Paragraph(s) : null;
                    outputs.Add(new TypeHelp(t.FullName!, summary ?? WellKnownOutputs.GetValueOrDefault(t.FullName!, "")));
                    break;
                case string typeName:
                    outputs.Add(new TypeHelp(typeName, WellKnownOutputs.GetValueOrDefault(typeName, "")));
                    break;
            }
        }
        return outputs;
    }

    /// <summary>The types of every [OutputType] on the class: Type objects, or names given as strings.</summary>
    private static IEnumerable<object> OutputTypes(Type type) =>
        type.OfType("OutputTypeAttribute").SelectMany(a => a.Arguments()).OfType<object>();

    private IReadOnlyList<ExampleHelp> Examples(XElement? doc) =>
        (doc?.Elements("example") ?? []).Select((example, index) => new ExampleHelp(
            $"Example {index + 1}",
            string.Join("\n\n", example.Elements("code").Select(DocComments.Code)),
            docs.Paragraphs(example))).ToList();

    private IReadOnlyList<LinkHelp> Links(XElement? doc, XElement? summary, string name, string noun, IEnumerable<string> allCmdlets)
    {
        var links = new List<LinkHelp>();
        foreach (var seealso in doc?.Elements("seealso") ?? [])
        {
            var href = (string?)seealso.Attribute("href");
            var cref = (string?)seealso.Attribute("cref");
            var text = seealso.Value.Trim() is { Length: > 0 } own ? own
                : cref is not null ? docs.CrefName(cref) ?? DocComments.ShortName(cref)
                : href ?? "";
            links.Add(new LinkHelp(text, href));
        }
        foreach (var link in summary?.Elements("para").Where(p => (string?)p.Attribute("type") == "link") ?? [])
            links.Add(new LinkHelp(docs.Paragraph(link), (string?)link.Attribute("uri")));
        // The rest of the noun's verb family: a user who found Get-X wants Set-X and Remove-X.
        links.AddRange(allCmdlets.Where(c => c != name && c.EndsWith("-" + noun, StringComparison.OrdinalIgnoreCase)).Select(c => new LinkHelp(c, null)));
        links.AddRange(extraLinks.Select(l => new LinkHelp(l, null)));
        return links.Where(l => l.Text.Length > 0).DistinctBy(l => l.Text, StringComparer.OrdinalIgnoreCase).ToList();
    }

    private static Type Unwrap(Type type) =>
        type.IsGenericType && type.GetGenericTypeDefinition().FullName == "System.Nullable`1" ? type.GetGenericArguments()[0] : type;

    private static string ShortName(Type type)
    {
        if (type.IsArray) return ShortName(Unwrap(type.GetElementType()!)) + "[]";
        var name = type.Name;
        var tick = name.IndexOf('`');
        return tick < 0 ? name : name[..tick];
    }

    [GeneratedRegex(@"\bDefaults to (?<value>.+?)\.(\s|$)")]
    private static partial Regex DefaultsTo();
}
