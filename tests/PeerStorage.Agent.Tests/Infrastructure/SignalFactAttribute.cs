namespace PeerStorage.Agent.Tests.Infrastructure;

/// <summary>
/// A test that sends <c>signal</c> to a child process: reported as skipped, with the reason, where the test process
/// ignores that signal, because every child inherits that and no program here could see it (a shell starts
/// background jobs with SIGINT ignored). Evaluated in the test process, as its children are started from it.
/// </summary>
public sealed class SignalFactAttribute : FactAttribute
{
    public SignalFactAttribute(int signal)
    {
        if (!OperatingSystem.IsLinux())
            Skip = "Needs Linux (POSIX signals).";
        else if (Signals.IgnoredHere(signal))
            Skip = $"Signal {signal} is ignored by this test process (started as a background job?), and so by every child it starts; run the tests in the foreground to exercise it.";
    }
}
