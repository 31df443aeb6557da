using System.Management.Automation;
using System.Management.Automation.Language;

namespace PeerStorage.Shell.Running;

/// <summary>
/// Parses a script file into a ScriptBlock that remembers its file, so $PSScriptRoot and $PSCommandPath work.
/// Invoking a ScriptBlock (rather than the file as an external script) lets <c>exit N</c> reach the host,
/// which is how pwsh -File turns it into the process exit code.
/// </summary>
internal static class ScriptLoader
{
    public static ScriptBlock Load(string fullPath)
    {
        var ast = Parser.ParseFile(fullPath, out _, out var errors);
        if (errors.Length > 0)
        {
            throw new ParseException(errors);
        }

        return ast.GetScriptBlock();
    }
}
