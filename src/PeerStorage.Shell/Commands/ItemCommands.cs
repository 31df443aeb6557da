using System.Management.Automation;

namespace PeerStorage.Shell.Commands;

/// <summary>What the item cmdlets share: -Path (wildcards) or -LiteralPath, and provider errors as pwsh reports them.</summary>
public abstract class ShellItemCommandBase : PSCmdlet
{
    protected const string PathSet = "Path";
    protected const string LiteralPathSet = "LiteralPath";

    [Parameter(Position = 0, Mandatory = true, ParameterSetName = PathSet, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    public string[] Path { get; set; } = [];

    [Parameter(Mandatory = true, ParameterSetName = LiteralPathSet, ValueFromPipelineByPropertyName = true)]
    [Alias("PSPath", "LP")]
    public string[] LiteralPath { get; set; } = [];

    protected bool IsLiteral => ParameterSetName == LiteralPathSet;

    protected string[] Paths => IsLiteral ? LiteralPath : Path;

    /// <summary>Runs a provider call; its failure is a non-terminating error, as in pwsh.</summary>
    protected void Try(string target, Action action)
    {
        try
        {
            action();
        }
        catch (Exception e) when (e is IContainsErrorRecord and (SessionStateException or ProviderInvocationException or PSNotSupportedException or PSArgumentException or PSInvalidOperationException))
        {
            WriteError(((IContainsErrorRecord)e).ErrorRecord);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            WriteError(new ErrorRecord(e, GetType().Name + "Failed", ErrorCategory.WriteError, target));
        }
    }
}

/// <summary>Get-Item as in pwsh's Management module.</summary>
[Cmdlet(VerbsCommon.Get, "Item", DefaultParameterSetName = PathSet)]
public sealed class GetItemCommand : ShellItemCommandBase
{
    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Paths)
        {
            Try(path, () => WriteObject(InvokeProvider.Item.Get([path], Force.IsPresent, IsLiteral), enumerateCollection: true));
        }
    }
}

/// <summary>New-Item as in pwsh's Management module (-ItemType File or Directory, -Value, -Force).</summary>
[Cmdlet(VerbsCommon.New, "Item", SupportsShouldProcess = true, DefaultParameterSetName = "PathSet")]
public sealed class NewItemCommand : PSCmdlet
{
    [Parameter(Position = 0, Mandatory = true, ValueFromPipelineByPropertyName = true)]
    public string[] Path { get; set; } = [];

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyString]
    public string? Name { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Type")]
    public string? ItemType { get; set; }

    [Parameter(ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [Alias("Target")]
    public object? Value { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Path)
        {
            var target = string.IsNullOrEmpty(Name) ? path : SessionState.Path.Combine(path, Name);
            if (!ShouldProcess($"Destination: {SessionState.Path.GetUnresolvedProviderPathFromPSPath(target)}", $"Create {(ItemType ?? "File")}"))
            {
                continue;
            }

            try
            {
                WriteObject(InvokeProvider.Item.New([path], Name, ItemType ?? "File", Value is PSObject p ? p.BaseObject : Value, Force.IsPresent), enumerateCollection: true);
            }
            catch (Exception e) when (e is IContainsErrorRecord and (SessionStateException or ProviderInvocationException or PSNotSupportedException or PSArgumentException))
            {
                WriteError(((IContainsErrorRecord)e).ErrorRecord);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                WriteError(new ErrorRecord(e, "NewItemIOError,Microsoft.PowerShell.Commands.NewItemCommand", ErrorCategory.WriteError, target));
            }
        }
    }
}

/// <summary>Remove-Item as in pwsh's Management module (-Recurse, -Force; -WhatIf and -Confirm).</summary>
[Cmdlet(VerbsCommon.Remove, "Item", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
public sealed class RemoveItemCommand : ShellItemCommandBase
{
    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Paths)
        {
            Try(path, () =>
            {
                var resolved = IsLiteral
                    ? [SessionState.Path.GetUnresolvedProviderPathFromPSPath(path)]
                    : SessionState.Path.GetResolvedProviderPathFromPSPath(path, out _).ToArray();
                foreach (var item in resolved)
                {
                    if (ShouldProcess(item, "Remove Item"))
                    {
                        InvokeProvider.Item.Remove([WildcardPattern.Escape(item)], Recurse.IsPresent, Force.IsPresent, literalPath: false);
                    }
                }
            });
        }
    }
}

/// <summary>Copy-Item as in pwsh's Management module (-Destination, -Recurse, -Force, -PassThru).</summary>
[Cmdlet(VerbsCommon.Copy, "Item", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
public sealed class CopyItemCommand : ShellItemCommandBase
{
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter Recurse { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var destination = Destination ?? ".";
        foreach (var path in Paths)
        {
            if (!ShouldProcess($"Item: {path} Destination: {destination}", "Copy Item"))
            {
                continue;
            }

            Try(path, () =>
            {
                var copied = InvokeProvider.Item.Copy([path], destination, Recurse.IsPresent, CopyContainers.CopyTargetContainer, Force.IsPresent, IsLiteral);
                if (PassThru.IsPresent)
                {
                    WriteObject(copied, enumerateCollection: true);
                }
            });
        }
    }
}

/// <summary>Move-Item as in pwsh's Management module (-Destination, -Force, -PassThru).</summary>
[Cmdlet(VerbsCommon.Move, "Item", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
public sealed class MoveItemCommand : ShellItemCommandBase
{
    [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
    public string? Destination { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    protected override void ProcessRecord()
    {
        var destination = Destination ?? ".";
        foreach (var path in Paths)
        {
            if (!ShouldProcess($"Item: {path} Destination: {destination}", "Move Item"))
            {
                continue;
            }

            Try(path, () =>
            {
                var moved = InvokeProvider.Item.Move([path], destination, Force.IsPresent, IsLiteral);
                if (PassThru.IsPresent)
                {
                    WriteObject(moved, enumerateCollection: true);
                }
            });
        }
    }
}
