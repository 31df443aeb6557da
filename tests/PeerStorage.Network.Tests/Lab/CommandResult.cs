namespace PeerStorage.Network.Tests.Lab;

/// <summary>How a finished command went.</summary>
public sealed record CommandResult(IReadOnlyList<string> Command, int ExitCode, string Stdout, string Stderr)
{
    public bool Succeeded => ExitCode == 0;

    /// <summary>Throws with the command and its output unless it succeeded.</summary>
    public CommandResult EnsureSuccess() => Succeeded
        ? this
        : throw new InvalidOperationException($"'{string.Join(' ', Command)}' exited with {ExitCode}: {Stderr.Trim()} {Stdout.Trim()}");
}
