using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Get-ChildItem as in pwsh's Management module, through the session's providers: -Path (wildcards) or
/// -LiteralPath, -Filter, -Include, -Exclude, -Recurse, -Depth, -Force, -Name, and the FileSystem's -File
/// and -Directory. Items keep their provider properties (PSPath, PSChildName ...), so they format as in pwsh.
/// </summary>
[Cmdlet(VerbsCommon.Get, "ChildItem", DefaultParameterSetName = ItemsSet)]
public sealed class GetChildItemCommand : PSCmdlet
{
    private const string ItemsSet = "Items";
    private const string LiteralItemsSet = "LiteralItems";

    [Parameter(Position = 0, ParameterSetName = ItemsSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[]? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralItemsSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string[]? LiteralPath { get; set; }

    [Parameter(Position = 1)]
    public string? Filter { get; set; }

    [Parameter]
    public string[]? Include { get; set; }

    [Parameter]
    public string[]? Exclude { get; set; }

    [Parameter]
    [Alias("s", "r")]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public uint Depth { get; set; } = uint.MaxValue;

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter Name { get; set; }

    [Parameter]
    [Alias("ad")]
    public SwitchParameter Directory { get; set; }

    [Parameter]
    [Alias("af")]
    public SwitchParameter File { get; set; }

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralItemsSet;
        var paths = (literal ? LiteralPath : Path) is { Length: > 0 } given ? given : ["."];
        var recurse = Recurse.IsPresent || MyInvocation.BoundParameters.ContainsKey(nameof(Depth));
        var filter = Filter is { Length: > 0 } ? new WildcardPattern(Filter, WildcardOptions.IgnoreCase) : null;
        var include = Patterns(Include);
        var exclude = Patterns(Exclude);

        foreach (var path in paths)
        {
            System.Collections.ObjectModel.Collection<PSObject> items;
            try
            {
                items = InvokeProvider.ChildItem.Get([path], recurse, Depth, Force.IsPresent, literal);
            }
            catch (Exception e) when (e is IContainsErrorRecord and (SessionStateException or ProviderInvocationException or PSNotSupportedException))
            {
                WriteError(((IContainsErrorRecord)e).ErrorRecord);
                continue;
            }
            catch (Exception e) when (e is PSArgumentException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "GetChildItemFailed,Microsoft.PowerShell.Commands.GetChildItemCommand", ErrorCategory.ReadError, path));
                continue;
            }

            var root = Root(path, literal);
            foreach (var item in items)
            {
                var childName = item.Properties["PSChildName"]?.Value?.ToString() ?? item.ToString();
                if (filter is not null && !filter.IsMatch(childName)
                    || include.Count > 0 && !include.Any(p => p.IsMatch(childName))
                    || exclude.Any(p => p.IsMatch(childName)))
                {
                    continue;
                }

                var isContainer = item.Properties["PSIsContainer"]?.Value is true;
                if (Directory.IsPresent && !isContainer || File.IsPresent && isContainer)
                {
                    continue;
                }

                WriteObject(Name.IsPresent ? RelativeName(item, root, childName) : item);
            }
        }
    }

    private static List<WildcardPattern> Patterns(string[]? patterns) =>
        (patterns ?? []).Select(p => new WildcardPattern(p, WildcardOptions.IgnoreCase)).ToList();

    // The folder -Name paths are relative to (the listed folder itself, for a recursive listing).
    private string? Root(string path, bool literal)
    {
        try
        {
            var resolved = literal
                ? SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)
                : SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _).FirstOrDefault();
            return resolved is not null && System.IO.Directory.Exists(resolved) ? resolved : null;
        }
        catch (Exception e) when (e is SessionStateException or ProviderInvocationException or PSNotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private static string RelativeName(PSObject item, string? root, string childName) =>
        root is not null && item.BaseObject is FileSystemInfo info
            ? System.IO.Path.GetRelativePath(root, info.FullName)
            : childName;
}
