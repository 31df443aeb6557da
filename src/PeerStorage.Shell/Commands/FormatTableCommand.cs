using System.Management.Automation;
using Microsoft.PowerShell.Commands.Internal.Format;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Format-Table as in pwsh's Utility module. The engine package has the whole formatter (the parameters live
/// in its public OuterFormatTableBase); only the three-line cmdlet class is missing, so this is that class.
/// </summary>
[Cmdlet(VerbsCommon.Format, "Table")]
public sealed class FormatTableCommand : OuterFormatTableBase
{
    public FormatTableCommand() => FormatterShape.Attach(this, "Table");
}

/// <summary>Format-List as in pwsh's Utility module (see <see cref="FormatTableCommand"/>).</summary>
[Cmdlet(VerbsCommon.Format, "List")]
public sealed class FormatListCommand : OuterFormatTableAndListBase
{
    public FormatListCommand() => FormatterShape.Attach(this, "List");
}
