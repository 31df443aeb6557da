namespace PeerStorage.Shell.Tests;

/// <summary>A fresh directory under the temp folder, deleted with everything in it at the end of a test.</summary>
public sealed class TempDirectory : IDisposable
{
    public TempDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "peerstorage-shell-" + Guid.NewGuid().ToString("n")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    /// <summary>Writes a script file into the directory and returns its full path.</summary>
    public string Script(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public string Combine(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A process that has not let go yet; the temp folder is cleaned by the system eventually.
        }
    }
}
