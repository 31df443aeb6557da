using System.Reflection;
using System.Runtime.InteropServices;

namespace PeerStorage.HelpGen;

public static class Program
{
    // Messages in MSBuild's canonical form ("origin : error CODE: text"), so the build lists each one as an error.
    private const string Origin = "PeerStorage.HelpGen";

    public static int Main(string[] args)
    {
        Options options;
        try
        {
            options = Options.Parse(args);
        }
        catch (ArgumentException e)
        {
            Console.Error.WriteLine($"{Origin} : error PSHELP000: {e.Message}");
            Console.Error.Write(Options.Usage);
            return 2;
        }

        try
        {
            var docs = DocComments.Load(options.Docs);
            using var context = new MetadataLoadContext(new PathAssemblyResolver(AssemblyPaths(options)));
            var assembly = context.LoadFromAssemblyPath(Path.GetFullPath(options.Assembly));
            var cmdlets = new CmdletReader(docs, options.Links).Read(assembly);

            var problems = cmdlets.SelectMany(HelpValidation.Problems).ToList();
            if (cmdlets.Count == 0) problems.Add($"No cmdlet classes found in {options.Assembly}.");
            foreach (var problem in problems) Console.Error.WriteLine($"{Origin} : error PSHELP001: {problem}");
            if (problems.Count > 0) return 1;

            MamlWriter.Save(MamlWriter.Document(cmdlets), options.Output);
            Console.WriteLine($"{Origin}: wrote help for {cmdlets.Count} cmdlets to {options.Output}");
            return 0;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or BadImageFormatException
                                    or System.Xml.XmlException or TypeLoadException)
        {
            Console.Error.WriteLine($"{Origin} : error PSHELP002: {e.Message}");
            return 1;
        }
    }

    /// <summary>
    /// Everything the metadata reader may need to resolve: the base library of this runtime, the cmdlet assembly's
    /// own folder and the given ones. A name found twice is taken from the first folder that has it.
    /// </summary>
    private static IEnumerable<string> AssemblyPaths(Options options)
    {
        var folders = new[] { Path.GetDirectoryName(Path.GetFullPath(options.Assembly))! }
            .Concat(options.ReferenceDirectories)
            .Append(RuntimeEnvironment.GetRuntimeDirectory());
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var folder in folders.Where(Directory.Exists))
            foreach (var path in Directory.EnumerateFiles(folder, "*.dll"))
                if (seen.Add(Path.GetFileName(path))) yield return path;
    }
}
