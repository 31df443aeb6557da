using System.Management.Automation.Language;
using System.Text;
using System.Text.RegularExpressions;

namespace PeerStorage.Shell.Running;

/// <summary>
/// Turns the script's command-line arguments into PowerShell argument text the way pwsh -File does:
/// <c>-Name</c> stays a parameter name, <c>-Name:value</c> binds directly ($true/$false for booleans),
/// everything else is a literal single-quoted string, so nothing in an argument is ever evaluated.
/// </summary>
internal static partial class ScriptArguments
{
    public static string Render(IReadOnlyList<string> args)
    {
        var text = new StringBuilder();
        foreach (var arg in args)
        {
            text.Append(' ').Append(RenderOne(arg));
        }

        return text.ToString();
    }

    private static string RenderOne(string arg)
    {
        if (ParameterName().IsMatch(arg))
        {
            return arg;
        }

        var withValue = ParameterWithValue().Match(arg);
        if (withValue.Success)
        {
            var value = withValue.Groups["value"].Value;
            var rendered = bool.TryParse(value, out var flag) ? (flag ? "$true" : "$false") : Quote(value);
            return withValue.Groups["name"].Value + ":" + rendered;
        }

        return Quote(arg);
    }

    private static string Quote(string value) => "'" + CodeGeneration.EscapeSingleQuotedStringContent(value) + "'";

    [GeneratedRegex(@"^-[\p{L}_][\p{L}\p{Nd}_]*$")]
    private static partial Regex ParameterName();

    [GeneratedRegex(@"^(?<name>-[\p{L}_][\p{L}\p{Nd}_]*):(?<value>.*)$", RegexOptions.Singleline)]
    private static partial Regex ParameterWithValue();
}
