namespace PeerStorage.HelpGen;

/// <summary>
/// What help every cmdlet must have, so that a cmdlet without it breaks the build rather than ship with
/// Get-Help's auto-generated syntax: a synopsis, at least one example with code, and a description per parameter.
/// </summary>
public static class HelpValidation
{
    public static IEnumerable<string> Problems(CmdletHelp cmdlet)
    {
        var who = $"{cmdlet.Name} ({cmdlet.ImplementingType})";
        if (string.IsNullOrWhiteSpace(cmdlet.Synopsis))
            yield return $"{who} has no synopsis: add <para type=\"synopsis\">...</para> to the class's <summary>.";
        if (cmdlet.Examples.Count == 0)
            yield return $"{who} has no example: add <example><code>...</code><para>...</para></example> to the class.";
        foreach (var example in cmdlet.Examples.Where(e => e.Code.Length == 0))
            yield return $"{who}: {example.Title} has no <code>.";
        foreach (var parameter in cmdlet.Parameters.Where(p => p.Description.Count == 0))
            yield return $"{who}: parameter -{parameter.Name} has no description: add <summary><para>...</para></summary> to the property.";
    }
}
