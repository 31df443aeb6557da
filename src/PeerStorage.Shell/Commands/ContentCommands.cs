using System.Management.Automation;
using System.Text;

namespace PeerStorage.Shell.Commands;

/// <summary>
/// Get-Content as in pwsh's Management module, for files: one string per line, or the whole text with -Raw;
/// -TotalCount (-Head, -First) and -Tail (-Last).
/// </summary>
[Cmdlet(VerbsCommon.Get, "Content", DefaultParameterSetName = PathSet)]
[OutputType(typeof(string))]
public sealed class GetContentCommand : ShellItemCommandBase
{
    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("First", "Head")]
    public long TotalCount { get; set; } = -1;

    [Parameter(ValueFromPipelineByPropertyName = true)]
    [Alias("Last")]
    public int Tail { get; set; } = -1;

    [Parameter]
    public SwitchParameter Raw { get; set; }

    [Parameter]
    public string? Encoding { get; set; }

    protected override void ProcessRecord()
    {
        foreach (var path in Paths)
        {
            Try(path, () =>
            {
                foreach (var file in ContentFiles.Resolve(this, path, IsLiteral, mustExist: true))
                {
                    var encoding = ContentFiles.Encoding(Encoding);
                    if (Raw.IsPresent)
                    {
                        WriteObject(File.ReadAllText(file, encoding));
                        continue;
                    }

                    IEnumerable<string> lines = File.ReadLines(file, encoding);
                    if (Tail >= 0)
                    {
                        lines = lines.TakeLast(Tail);
                    }

                    if (TotalCount >= 0)
                    {
                        lines = lines.Take((int)Math.Min(TotalCount, int.MaxValue));
                    }

                    foreach (var line in lines)
                    {
                        WriteObject(line);
                    }
                }
            });
        }
    }
}

/// <summary>Set-Content as in pwsh's Management module, for files: each value on its own line (UTF-8, no BOM).</summary>
[Cmdlet(VerbsCommon.Set, "Content", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
public sealed class SetContentCommand : ContentWriterCommand
{
    protected override bool Append => false;
}

/// <summary>Add-Content as in pwsh's Management module, for files: appends each value on its own line.</summary>
[Cmdlet(VerbsCommon.Add, "Content", SupportsShouldProcess = true, DefaultParameterSetName = PathSet)]
public sealed class AddContentCommand : ContentWriterCommand
{
    protected override bool Append => true;
}

/// <summary>What Set-Content and Add-Content share: pipeline values collected, then written once per file.</summary>
public abstract class ContentWriterCommand : ShellItemCommandBase
{
    private readonly List<object?> _values = [];

    [Parameter(Position = 1, Mandatory = true, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
    [AllowNull]
    [AllowEmptyCollection]
    public object?[]? Value { get; set; }

    [Parameter]
    public SwitchParameter NoNewline { get; set; }

    [Parameter]
    public SwitchParameter PassThru { get; set; }

    [Parameter]
    public SwitchParameter Force { get; set; }

    [Parameter]
    public string? Encoding { get; set; }

    protected abstract bool Append { get; }

    protected override void ProcessRecord() => _values.AddRange(Value ?? [null]);

    protected override void EndProcessing()
    {
        var text = new StringBuilder();
        foreach (var value in _values)
        {
            text.Append(value is null ? string.Empty : LanguagePrimitives.ConvertTo<string>(value));
            if (!NoNewline.IsPresent)
            {
                text.Append(Environment.NewLine);
            }
        }

        foreach (var path in Paths)
        {
            Try(path, () =>
            {
                foreach (var file in ContentFiles.Resolve(this, path, IsLiteral, mustExist: false))
                {
                    if (!ShouldProcess($"Path: {file}", Append ? "Add Content" : "Set Content"))
                    {
                        continue;
                    }

                    if (Force.IsPresent && File.Exists(file) && File.GetAttributes(file).HasFlag(FileAttributes.ReadOnly))
                    {
                        File.SetAttributes(file, File.GetAttributes(file) & ~FileAttributes.ReadOnly);
                    }

                    var encoding = ContentFiles.Encoding(Encoding);
                    if (Append)
                    {
                        File.AppendAllText(file, text.ToString(), encoding);
                    }
                    else
                    {
                        File.WriteAllText(file, text.ToString(), encoding);
                    }

                    if (PassThru.IsPresent)
                    {
                        WriteObject(_values, enumerateCollection: true);
                    }
                }
            });
        }
    }
}

/// <summary>Resolves content paths to files of the FileSystem provider.</summary>
internal static class ContentFiles
{
    public static IEnumerable<string> Resolve(PSCmdlet cmdlet, string path, bool literal, bool mustExist)
    {
        ProviderInfo provider;
        IEnumerable<string> files;
        if (literal || (!mustExist && !WildcardPattern.ContainsWildcardCharacters(path)))
        {
            files = [cmdlet.SessionState.Path.GetUnresolvedProviderPathFromPSPath(path, out provider, out _)];
        }
        else
        {
            files = cmdlet.SessionState.Path.GetResolvedProviderPathFromPSPath(path, out provider);
        }

        if (provider.ImplementingType != typeof(Microsoft.PowerShell.Commands.FileSystemProvider))
        {
            throw new PSNotSupportedException($"The shell's content cmdlets read and write files only, not {provider.Name} items.");
        }

        foreach (var file in files)
        {
            if (mustExist && !File.Exists(file))
            {
                if (Directory.Exists(file))
                {
                    throw new PSArgumentException($"Unable to get content because it is a directory: '{file}'. Please use 'Get-ChildItem' instead.");
                }

                throw new ItemNotFoundException($"Cannot find path '{file}' because it does not exist.");
            }

            yield return file;
        }
    }

    public static Encoding Encoding(string? name) => name?.ToLowerInvariant() switch
    {
        null or "utf8" or "utf8nobom" or "default" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: false),
        "utf8bom" => new UTF8Encoding(encoderShouldEmitUTF8Identifier: true),
        "ascii" => System.Text.Encoding.ASCII,
        "unicode" => System.Text.Encoding.Unicode,
        "bigendianunicode" => System.Text.Encoding.BigEndianUnicode,
        "utf32" => System.Text.Encoding.UTF32,
        "latin1" => System.Text.Encoding.Latin1,
        _ => System.Text.Encoding.GetEncoding(name),
    };
}
