namespace PeerStorage.HelpGen;

/// <summary>The command line: what to read, where to resolve its references, where to write.</summary>
public sealed record Options(string Assembly, IReadOnlyList<string> Docs, IReadOnlyList<string> ReferenceDirectories, string Output, IReadOnlyList<string> Links)
{
    public const string Usage = """
        Usage: PeerStorage.HelpGen --assembly <cmdlets.dll> --doc <cmdlets.xml> [--doc <more.xml>]...
                                   [--reference-dir <dir>]... --output <Module.dll-Help.xml> [--link <topic>]...

          --assembly       the cmdlet assembly (read as metadata, never executed)
          --doc            an XML documentation file: the cmdlets' own, and those of their output types
          --reference-dir  a folder of assemblies the cmdlet assembly refers to (its own folder is always searched)
          --output         the MAML file to write
          --link           a related link added to every cmdlet (for example an about_ topic)
        """;

    public static Options Parse(IReadOnlyList<string> args)
    {
        string? assembly = null, output = null;
        List<string> docs = [], references = [], links = [];
        for (var i = 0; i < args.Count; i++)
        {
            if (args[i] is not ("--assembly" or "--doc" or "--reference-dir" or "--output" or "--link"))
                throw new ArgumentException($"Unknown option '{args[i]}'.");
            var value = i + 1 < args.Count ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--assembly": assembly = value; break;
                case "--doc": docs.Add(value); break;
                case "--reference-dir": references.Add(value); break;
                case "--output": output = value; break;
                case "--link": links.Add(value); break;
            }
            i++;
        }
        if (assembly is null || output is null || docs.Count == 0) throw new ArgumentException("--assembly, --doc and --output are required.");
        return new Options(assembly, docs, references, output, links);
    }
}
