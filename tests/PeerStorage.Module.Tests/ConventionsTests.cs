using System.Collections;
using System.Management.Automation;
using System.Management.Automation.Language;
using System.Reflection;
using System.Xml.Linq;

namespace PeerStorage.Module.Tests;

/// <summary>
/// The conventions of ARCHITECTURE.md ("The cmdlet layer") checked on every cmdlet the built module exports, so a new
/// cmdlet that misses one fails here by name: an approved verb, a declared output type with a default view,
/// ShouldProcess when it changes state, MAML help with a synopsis, an example and every parameter described, and a
/// manifest that exports exactly the assembly's cmdlets and passes Test-ModuleManifest.
/// </summary>
public sealed class ConventionsTests(ConventionsTests.ImportedModule module) : IClassFixture<ConventionsTests.ImportedModule>
{
    /// <summary>
    /// Verbs whose cmdlets only read or wait, so they need no -WhatIf/-Confirm. Every other verb changes state.
    /// Receive and Read are not here on purpose: in this module they write files (Receive-DiskImageMulticast writes
    /// disk images, Read-PeerLeaseObject writes the object it reads), and Format formats disks, not output.
    /// </summary>
    private static readonly HashSet<string> ReadOnlyVerbs = new(StringComparer.OrdinalIgnoreCase)
    {
        VerbsCommon.Get, VerbsCommon.Find, VerbsCommon.Search, VerbsCommon.Select, VerbsCommon.Watch,
        VerbsDiagnostic.Resolve, VerbsDiagnostic.Test, VerbsDiagnostic.Measure, VerbsDiagnostic.Trace,
        VerbsData.Compare, VerbsLifecycle.Wait, VerbsCommon.Show,
    };

    /// <summary>Parameters that name a file or folder the cmdlet writes into, whatever its verb.</summary>
    private static readonly string[] WrittenPathParameters = ["Destination", "OutFile", "OutputPath", "LiteralDestination"];

    /// <summary>Types that PowerShell formats itself: jobs (Get-Job's view) and no output at all.</summary>
    private static bool HasOwnView(Type type) => typeof(Job).IsAssignableFrom(type) || type == typeof(void);

    [Fact]
    public void The_module_exports_cmdlets() => Assert.NotEmpty(module.Cmdlets);

    [Fact]
    public void Every_cmdlet_uses_an_approved_verb()
    {
        var approved = ApprovedVerbs();
        AssertNone("cmdlets with a verb that is not approved (see Get-Verb)",
            module.Cmdlets.Where(c => !approved.Contains(c.Verb)).Select(c => $"{c.Name}: '{c.Verb}'"));
    }

    [Fact]
    public void Every_cmdlet_declares_its_output_type() =>
        AssertNone("cmdlets without [OutputType]", module.Cmdlets.Where(c => c.OutputType.Count == 0).Select(c => c.Name));

    [Fact]
    public void Every_output_type_has_a_default_view_in_the_format_file()
    {
        var viewed = ViewedTypeNames(Path.Combine(ModuleFolder.Path, "PeerStorage.Format.ps1xml"));
        var missing =
            from cmdlet in module.Cmdlets
            from output in cmdlet.OutputType
            where output.Type is null || !HasOwnView(output.Type)
            where !SelfAndBaseNames(output).Any(viewed.Contains)
            select $"{cmdlet.Name}: {output.Name}";
        AssertNone("output types without a view in PeerStorage.Format.ps1xml", missing);
    }

    [Fact]
    public void Every_state_changing_cmdlet_supports_ShouldProcess()
    {
        var missing = module.Cmdlets
            .Where(c => !ReadOnlyVerbs.Contains(c.Verb) && !new CommandMetadata(c).SupportsShouldProcess)
            .Select(c => $"{c.Name} (verb {c.Verb} changes state)");
        AssertNone("state-changing cmdlets without SupportsShouldProcess", missing);
    }

    [Fact]
    public void Every_cmdlet_that_writes_to_a_destination_supports_ShouldProcess_and_Force()
    {
        // A read verb is no excuse: a cmdlet that writes a file the user names can replace one, so -WhatIf must show
        // it and an existing file must need -Force.
        var writers = module.Cmdlets.Where(c => c.Parameters.Keys.Any(p => WrittenPathParameters.Contains(p, StringComparer.OrdinalIgnoreCase))).ToList();
        Assert.Contains(writers, c => c.Name == "Read-PeerLeaseObject");
        var missing = writers.SelectMany(c => new[]
        {
            new CommandMetadata(c).SupportsShouldProcess ? null : $"{c.Name}: no SupportsShouldProcess",
            c.Parameters.TryGetValue("Force", out var force) && force.SwitchParameter ? null : $"{c.Name}: no -Force switch",
        }).OfType<string>();
        AssertNone("cmdlets that write a destination file without ShouldProcess and -Force", missing);
    }

    [Fact]
    public void Every_cmdlet_has_help_with_a_synopsis_and_an_example()
    {
        var problems = new List<string>();
        foreach (var cmdlet in module.Cmdlets)
        {
            var help = module.Help(cmdlet.Name);
            if (!help.FromMaml) problems.Add($"{cmdlet.Name}: no MAML help (Get-Help shows the generated syntax only)");
            // Without help, Get-Help's synopsis is the syntax line, which starts with the cmdlet's name.
            if (string.IsNullOrWhiteSpace(help.Synopsis) || help.Synopsis.StartsWith(cmdlet.Name, StringComparison.OrdinalIgnoreCase))
                problems.Add($"{cmdlet.Name}: no synopsis");
            if (help.ExamplesWithCode == 0) problems.Add($"{cmdlet.Name}: no example with code");
        }
        AssertNone("cmdlets without proper help", problems);
    }

    [Fact]
    public void Every_parameter_has_a_description_in_help()
    {
        var problems =
            from cmdlet in module.Cmdlets
            let help = module.Help(cmdlet.Name)
            from parameter in cmdlet.Parameters.Keys
            where !Cmdlet.CommonParameters.Contains(parameter)
            where string.IsNullOrWhiteSpace(help.ParameterDescriptions.GetValueOrDefault(parameter))
            select $"{cmdlet.Name} -{parameter}";
        AssertNone("parameters without a description in help", problems);
    }

    [Fact]
    public void The_manifest_exports_exactly_the_cmdlets_of_the_assembly()
    {
        var assembly = module.Cmdlets[0].ImplementingType.Assembly;
        var inAssembly = assembly.GetExportedTypes()
            .Where(t => t is { IsClass: true, IsAbstract: false } && t.GetCustomAttribute<CmdletAttribute>() is not null)
            .Select(t => t.GetCustomAttribute<CmdletAttribute>()!)
            .Select(a => $"{a.VerbName}-{a.NounName}")
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
        var declared = ManifestData()["CmdletsToExport"] is object[] list
            ? list.Select(o => o?.ToString() ?? "").ToHashSet(StringComparer.OrdinalIgnoreCase)
            : [];

        AssertNone("cmdlets in the assembly that CmdletsToExport lacks", inAssembly.Except(declared));
        AssertNone("CmdletsToExport entries that are not cmdlets of the assembly (no wildcards)", declared.Except(inAssembly));
        AssertNone("declared cmdlets that the imported module does not export",
            declared.Except(module.Cmdlets.Select(c => c.Name), StringComparer.OrdinalIgnoreCase));
    }

    [Fact]
    public void The_manifest_passes_Test_ModuleManifest()
    {
        var result = module.Session.Run("Test-ModuleManifest -Path $args[0]", ModuleFolder.Manifest);
        Assert.Null(result.Terminating);
        Assert.True(result.Errors.Count == 0, "Test-ModuleManifest: " + string.Join("; ", result.Errors.Select(e => e.ToString())));
        var info = result.Single<PSModuleInfo>();

        Assert.Equal(new Version(7, 6), info.PowerShellVersion);
        Assert.Equal(["Core"], info.CompatiblePSEditions);
        Assert.Equal("PeerStorage.PowerShell.dll", info.RootModule);
        Assert.Contains(info.ExportedFormatFiles, f => Path.GetFileName(f) == "PeerStorage.Format.ps1xml");
        Assert.Contains(info.ExportedTypeFiles, f => Path.GetFileName(f) == "PeerStorage.Types.ps1xml");
        Assert.False(string.IsNullOrWhiteSpace(info.Description));
        Assert.NotNull(info.HelpInfoUri);
        var psData = Assert.IsType<Hashtable>(Assert.IsType<Hashtable>(info.PrivateData)["PSData"]);
        foreach (var key in new[] { "Tags", "ProjectUri", "LicenseUri", "ReleaseNotes" })
            Assert.True(psData.ContainsKey(key), $"PrivateData.PSData lacks {key}");
    }

    [Fact]
    public void Every_about_topic_is_found_by_Get_Help()
    {
        var topics = Directory.GetFiles(Path.Combine(ModuleFolder.Root, "module-manifest", "en-US"), "about_*.help.txt")
            .Select(f => Path.GetFileName(f)[..^".help.txt".Length]).ToList();
        Assert.Contains("about_PeerStorage", topics);
        var missing = topics.Where(topic =>
        {
            var result = module.Session.Run("Get-Help -Name $args[0] -Category HelpFile", topic);
            return result.Output.Count == 0 || !result.Output[0].ToString().Contains(topic, StringComparison.OrdinalIgnoreCase);
        });
        AssertNone("about_ topics that Get-Help does not find", missing);
    }

    private static void AssertNone(string what, IEnumerable<string> failures)
    {
        var list = failures.ToList();
        Assert.True(list.Count == 0, $"{list.Count} {what}:\n  " + string.Join("\n  ", list));
    }

    /// <summary>Get-Verb where the hosted engine has it (it lives in Microsoft.PowerShell.Utility), else the Verbs* classes.</summary>
    private HashSet<string> ApprovedVerbs()
    {
        var fromGetVerb = module.Session.Run("if (Get-Command Get-Verb -ErrorAction Ignore) { (Get-Verb).Verb }");
        if (fromGetVerb.Output.Count > 0) return fromGetVerb.Output.Select(o => o.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        return typeof(VerbsCommon).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "System.Management.Automation" && t.Name.StartsWith("Verbs", StringComparison.Ordinal))
            .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static).Where(f => f.IsLiteral))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.OrdinalIgnoreCase);
    }

    /// <summary>Type names with a view in a format file, directly or through a selection set.</summary>
    private static HashSet<string> ViewedTypeNames(string formatFile)
    {
        var document = XDocument.Load(formatFile);
        var sets = document.Descendants("SelectionSet").ToDictionary(
            s => (string)s.Element("Name")!,
            s => s.Descendants("TypeName").Select(t => t.Value.Trim()).ToList());
        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var selectedBy in document.Descendants("View").Select(v => v.Element("ViewSelectedBy")).OfType<XElement>())
        {
            names.UnionWith(selectedBy.Elements("TypeName").Select(t => t.Value.Trim()));
            foreach (var set in selectedBy.Elements("SelectionSetName"))
                names.UnionWith(sets.GetValueOrDefault(set.Value.Trim(), []));
        }
        return names;
    }

    /// <summary>PowerShell picks a view by the object's type names, which include its base types.</summary>
    private static IEnumerable<string> SelfAndBaseNames(PSTypeName output)
    {
        yield return output.Name;
        for (var type = output.Type?.BaseType; type is not null && type != typeof(object); type = type.BaseType)
            yield return type.FullName!;
    }

    private static Hashtable ManifestData()
    {
        var ast = Parser.ParseFile(ModuleFolder.Manifest, out _, out var errors);
        Assert.Empty(errors);
        var table = (HashtableAst)ast.Find(a => a is HashtableAst, searchNestedScriptBlocks: false)!;
        return (Hashtable)table.SafeGetValue();
    }

    /// <summary>What Get-Help -Full says about one cmdlet.</summary>
    public sealed record CmdletHelpSummary(bool FromMaml, string Synopsis, int ExamplesWithCode, IReadOnlyDictionary<string, string> ParameterDescriptions);

    /// <summary>One runspace with the built module imported, and its cmdlets, shared by the tests of this class.</summary>
    public sealed class ImportedModule : IDisposable
    {
        private readonly Dictionary<string, CmdletHelpSummary> _help = new(StringComparer.OrdinalIgnoreCase);

        public ImportedModule()
        {
            var cmdlets = Session.Run("(Get-Module PeerStorage).ExportedCmdlets.Values");
            Assert.Null(cmdlets.Terminating);
            Cmdlets = cmdlets.All<CmdletInfo>().OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToList();
        }

        public PowerShellSession Session { get; } = new();
        public IReadOnlyList<CmdletInfo> Cmdlets { get; }

        // Read in the hosted engine, the way a user's Get-Help sees the MAML file in the module's en-US folder.
        private const string HelpScript = """
            $help = Get-Help -Name $args[0] -Full
            [pscustomobject]@{
                FromMaml = $help.PSObject.TypeNames -contains 'MamlCommandHelpInfo'
                Synopsis = "$($help.Synopsis)".Trim()
                ExamplesWithCode = @($help.examples.example | Where-Object { "$($_.code)".Trim() }).Count
                Parameters = @($help.parameters.parameter | Where-Object { $_ } | ForEach-Object {
                    [pscustomobject]@{ Name = "$($_.name)"; Description = (@($_.description | ForEach-Object { $_.Text }) -join ' ').Trim() }
                })
            }
            """;

        public CmdletHelpSummary Help(string name)
        {
            lock (_help)
            {
                if (_help.TryGetValue(name, out var cached)) return cached;
                var result = Session.Run(HelpScript, name);
                Assert.Null(result.Terminating);
                var help = Assert.Single(result.Output);
                var parameters = ((IEnumerable)help.Properties["Parameters"].Value).Cast<object>().Select(PSObject.AsPSObject)
                    .ToDictionary(p => (string)p.Properties["Name"].Value, p => (string)p.Properties["Description"].Value, StringComparer.OrdinalIgnoreCase);
                var summary = new CmdletHelpSummary((bool)help.Properties["FromMaml"].Value, (string)help.Properties["Synopsis"].Value,
                    (int)help.Properties["ExamplesWithCode"].Value, parameters);
                _help[name] = summary;
                return summary;
            }
        }

        public void Dispose() => Session.Dispose();
    }
}
