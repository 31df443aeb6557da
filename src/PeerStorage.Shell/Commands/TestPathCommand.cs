using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>Which kind of item Test-Path looks for (pwsh's Microsoft.PowerShell.Commands.TestPathType).</summary>
public enum TestPathType
{
    Any,
    Container,
    Leaf,
}

/// <summary>Test-Path as in pwsh's Management module, through the session's providers (any drive, wildcards).</summary>
[Cmdlet(VerbsDiagnostic.Test, "Path", DefaultParameterSetName = PathSet)]
[OutputType(typeof(bool))]
public sealed class TestPathCommand : PSCmdlet
{
    private const string PathSet = "Path";
    private const string LiteralPathSet = "LiteralPath";

    [Parameter(Position = 0, Mandatory = true, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string?[]? Path { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    [AllowNull]
    [AllowEmptyCollection]
    [AllowEmptyString]
    public string?[]? LiteralPath { get; set; }

    [Parameter]
    [Alias("Type")]
    public TestPathType PathType { get; set; } = TestPathType.Any;

    [Parameter]
    public SwitchParameter IsValid { get; set; }

    protected override void ProcessRecord()
    {
        var literal = ParameterSetName == LiteralPathSet;
        foreach (var path in (literal ? LiteralPath : Path) ?? [null])
        {
            WriteObject(Test(path, literal));
        }
    }

    private bool Test(string? path, bool literal)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return false;
        }

        try
        {
            if (IsValid.IsPresent)
            {
                return SessionState.Path.IsValid(path);
            }

            if (!InvokeProvider.Item.Exists(path, force: false, literalPath: literal))
            {
                return false;
            }

            return PathType switch
            {
                TestPathType.Container => IsContainer(path, literal),
                TestPathType.Leaf => !IsContainer(path, literal),
                _ => true,
            };
        }
        catch (Exception e) when (e is SessionStateException or ProviderInvocationException or PSNotSupportedException or PSArgumentException or ArgumentException or NotSupportedException)
        {
            // pwsh answers False for a path on a missing drive or a provider that cannot tell.
            return false;
        }
    }

    private bool IsContainer(string path, bool literal)
    {
        var target = literal ? WildcardPattern.Escape(path) : path;
        return InvokeProvider.Item.IsContainer(target);
    }
}
