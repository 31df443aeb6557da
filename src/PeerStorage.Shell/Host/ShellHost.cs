using System.Globalization;
using System.Management.Automation.Host;
using System.Reflection;

namespace PeerStorage.Shell.Host;

/// <summary>
/// The PSHost behind the runspace. Its only state beyond the UI is the exit request: a top-level
/// <c>exit N</c> reaches the host as SetShouldExit(N).
/// </summary>
internal sealed class ShellHost : PSHost
{
    private readonly ShellUserInterface _ui;

    public ShellHost(Terminal terminal)
    {
        _ui = new ShellUserInterface(terminal);
    }

    public override string Name => "PeerStorage Shell";

    public override Version Version { get; } =
        typeof(ShellHost).Assembly.GetName().Version ?? new Version(0, 1);

    public override Guid InstanceId { get; } = Guid.NewGuid();

    public override PSHostUserInterface UI => _ui;

    public ShellUserInterface ShellUI => _ui;

    public override CultureInfo CurrentCulture => CultureInfo.CurrentCulture;

    public override CultureInfo CurrentUICulture => CultureInfo.CurrentUICulture;

    /// <summary>The code passed to <c>exit</c>, once a script has called it.</summary>
    public int? ExitRequested { get; private set; }

    public override void SetShouldExit(int exitCode) => ExitRequested = exitCode;

    public override void EnterNestedPrompt() =>
        throw new NotSupportedException("peerstorage-shell runs scripts; it has no interactive nested prompt.");

    public override void ExitNestedPrompt() =>
        throw new NotSupportedException("peerstorage-shell runs scripts; it has no interactive nested prompt.");

    public override void NotifyBeginApplication()
    {
    }

    public override void NotifyEndApplication()
    {
    }

    internal static string ProductVersion =>
        typeof(ShellHost).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "0.1.0";
}
