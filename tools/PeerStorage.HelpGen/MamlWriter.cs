using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace PeerStorage.HelpGen;

/// <summary>Writes cmdlet help as MAML, the format Get-Help reads for binary cmdlets (the layout platyPS produces).</summary>
public static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";
    private static readonly XNamespace MsHelp = "http://msdn.microsoft.com/mshelp";

    public static XDocument Document(IEnumerable<CmdletHelp> cmdlets) =>
        new(new XDeclaration("1.0", "utf-8", null),
            new XElement(Msh + "helpItems", new XAttribute("schema", "maml"), cmdlets.Select(CommandElement)));

    /// <summary>Writes to a temporary file first, so a failed run never leaves a half-written help file behind.</summary>
    public static void Save(XDocument document, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temporary = path + ".tmp";
        var settings = new XmlWriterSettings { Encoding = new UTF8Encoding(false), Indent = true, NewLineChars = "\n" };
        using (var writer = XmlWriter.Create(temporary, settings)) document.Save(writer);
        File.Move(temporary, path, overwrite: true);
    }

    private static XElement CommandElement(CmdletHelp cmdlet) =>
        new(Command + "command",
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            new XAttribute(XNamespace.Xmlns + "MSHelp", MsHelp),
            new XElement(Command + "details",
                new XElement(Command + "name", cmdlet.Name),
                new XElement(Command + "verb", cmdlet.Verb),
                new XElement(Command + "noun", cmdlet.Noun),
                Description(cmdlet.Synopsis is null ? [] : [cmdlet.Synopsis])),
            Description(cmdlet.Description),
            new XElement(Command + "syntax", cmdlet.Syntax.Select(set =>
                new XElement(Command + "syntaxItem",
                    new XElement(Maml + "name", cmdlet.Name),
                    set.Parameters.Select(p => Parameter(p.Parameter, p.Usage.Mandatory, p.Usage.Position, inSyntax: true))))),
            new XElement(Command + "parameters", cmdlet.Parameters.Select(p => Parameter(p, p.Required, p.Position, inSyntax: false))),
            new XElement(Command + "inputTypes", cmdlet.Inputs.Select(i => TypeElement("inputType", i))),
            new XElement(Command + "returnValues", cmdlet.Outputs.Select(o => TypeElement("returnValue", o))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(cmdlet.Notes))),
            new XElement(Command + "examples", cmdlet.Examples.Select(Example)),
            new XElement(Command + "relatedLinks", cmdlet.Links.Select(Link)));

    private static XElement Parameter(ParameterHelp parameter, bool required, int? position, bool inSyntax)
    {
        var element = new XElement(Command + "parameter",
            new XAttribute("required", Bool(required)),
            new XAttribute("variableLength", "true"),
            new XAttribute("globbing", Bool(parameter.SupportsWildcards)),
            new XAttribute("pipelineInput", parameter.PipelineInput),
            new XAttribute("position", position?.ToString() ?? "named"),
            new XAttribute("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.Description));
        if (parameter.PossibleValues.Count > 0)
            element.Add(new XElement(Command + "parameterValueGroup", parameter.PossibleValues.Select(v =>
                new XElement(Command + "parameterValue", new XAttribute("required", "false"), new XAttribute(Command + "variableLength", "false"), v))));
        // A switch takes no value on a syntax line: "-Force", not "-Force <SwitchParameter>".
        if (!(parameter.IsSwitch && inSyntax))
            element.Add(new XElement(Command + "parameterValue",
                new XAttribute("required", Bool(!parameter.IsSwitch)), new XAttribute("variableLength", "false"), parameter.Type.ShortName));
        element.Add(
            new XElement(Dev + "type", new XElement(Maml + "name", parameter.Type.FullName), new XElement(Maml + "uri")),
            new XElement(Dev + "defaultValue", parameter.DefaultValue ?? "None"));
        return element;
    }

    private static XElement TypeElement(string name, TypeHelp type) =>
        new(Command + name,
            new XElement(Dev + "type", new XElement(Maml + "name", type.Name)),
            Description(type.Description.Length == 0 ? [] : [type.Description]));

    private static XElement Example(ExampleHelp example) =>
        new(Command + "example",
            new XElement(Maml + "title", example.Title),
            new XElement(Dev + "code", example.Code),
            new XElement(Dev + "remarks", Paras(example.Remarks)));

    private static XElement Link(LinkHelp link) =>
        new(Maml + "navigationLink", new XElement(Maml + "linkText", link.Text), new XElement(Maml + "uri", link.Uri ?? ""));

    private static XElement Description(IReadOnlyList<string> paragraphs) => new(Maml + "description", Paras(paragraphs));

    private static IEnumerable<XElement> Paras(IReadOnlyList<string> paragraphs) =>
        paragraphs.Count == 0 ? [new XElement(Maml + "para")] : paragraphs.Select(p => new XElement(Maml + "para", p));

    private static string Bool(bool value) => value ? "true" : "false";
}
