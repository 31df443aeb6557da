using System.Text;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace PeerStorage.HelpGen;

/// <summary>
/// The compiler's XML documentation files, looked up by member id (T:Namespace.Type, P:Namespace.Type.Property),
/// and the rendering of their elements as plain help text.
/// </summary>
public sealed partial class DocComments
{
    private readonly Dictionary<string, XElement> _members = new(StringComparer.Ordinal);

    /// <summary>Names a cref target in text (a cmdlet class by its cmdlet name); null falls back to the member's short name.</summary>
    public Func<string, string?> CrefName { get; set; } = _ => null;

    public static DocComments Load(IEnumerable<string> paths)
    {
        var docs = new DocComments();
        foreach (var path in paths)
        {
            var file = XDocument.Load(path, LoadOptions.PreserveWhitespace);
            foreach (var member in file.Descendants("member"))
                if (member.Attribute("name")?.Value is { } id) docs._members[id] = member;
        }
        return docs;
    }

    public XElement? Member(string id) => _members.GetValueOrDefault(id);

    /// <summary>The member id of a type: nested types are joined with '.', as the compiler writes them.</summary>
    public static string TypeId(Type type) => "T:" + type.FullName!.Replace('+', '.');

    public static string PropertyId(Type declaringType, string property) => "P:" + declaringType.FullName!.Replace('+', '.') + "." + property;

    /// <summary>An element's text as one paragraph: inline tags rendered, whitespace collapsed.</summary>
    public string Paragraph(XElement element) => Whitespace().Replace(Inline(element), " ").Trim();

    /// <summary>
    /// The paragraphs of an element: each &lt;para&gt; (of the given type, or untyped when null) is one; loose text
    /// around them (code blocks and see-also links aside) is one more.
    /// </summary>
    public IReadOnlyList<string> Paragraphs(XElement? element, string? type = null)
    {
        if (element is null) return [];
        var result = new List<string>();
        var loose = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            if (node is XElement { Name.LocalName: "para" } para)
            {
                if ((string?)para.Attribute("type") == type && Paragraph(para) is { Length: > 0 } text) result.Add(text);
            }
            else if (type is null && node is not XElement { Name.LocalName: "code" or "seealso" })
            {
                loose.Append(node is XElement inline ? Inline(inline) : (node as XText)?.Value);
            }
        }
        var rest = Whitespace().Replace(loose.ToString(), " ").Trim();
        if (rest.Length > 0) result.Insert(0, rest);
        return result;
    }

    /// <summary>A code block: line breaks kept, the common indentation and blank edges removed.</summary>
    public static string Code(XElement code)
    {
        var lines = code.Value.Replace("\r\n", "\n").Split('\n').ToList();
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[0])) lines.RemoveAt(0);
        while (lines.Count > 0 && string.IsNullOrWhiteSpace(lines[^1])) lines.RemoveAt(lines.Count - 1);
        var indent = lines.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return string.Join("\n", lines.Select(l => l.Length >= indent ? l[indent..].TrimEnd() : l.Trim()));
    }

    private string Inline(XElement element)
    {
        var text = new StringBuilder();
        foreach (var node in element.Nodes())
        {
            switch (node)
            {
                case XText t:
                    text.Append(t.Value);
                    break;
                case XElement { Name.LocalName: "see" or "seealso" } see:
                    text.Append(See(see));
                    break;
                case XElement { Name.LocalName: "paramref" or "typeparamref" } reference:
                    // In cmdlet help a parameter is named the way a user types it.
                    text.Append('-').Append((string?)reference.Attribute("name"));
                    break;
                case XElement inner:
                    text.Append(' ').Append(Inline(inner)).Append(' ');
                    break;
            }
        }
        return text.ToString();
    }

    private string See(XElement see)
    {
        if (see.Value.Trim() is { Length: > 0 } own) return own;
        if ((string?)see.Attribute("langword") is { } word) return word is "null" or "true" or "false" ? "$" + word : word;
        if ((string?)see.Attribute("href") is { } href) return href;
        if ((string?)see.Attribute("cref") is not { } cref) return "";
        return CrefName(cref) ?? ShortName(cref);
    }

    /// <summary>T:PeerStorage.PeerNode → PeerNode; P:A.B.Name → Name.</summary>
    public static string ShortName(string cref)
    {
        var name = cref.Contains(':') ? cref[(cref.IndexOf(':') + 1)..] : cref;
        var paren = name.IndexOf('(');
        if (paren >= 0) name = name[..paren];
        return name[(name.LastIndexOf('.') + 1)..];
    }

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
