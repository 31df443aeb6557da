using System.Runtime.InteropServices;

namespace PeerStorage.MdnsTool;

/// <summary>
/// Ends a long-running command gracefully on SIGTERM/SIGINT or when standard input closes, so a test harness that
/// dies takes its tools down with goodbyes rather than leaving them running. Lines read meanwhile go to a handler.
/// </summary>
internal sealed class StopSignal : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration _term;
    private readonly PosixSignalRegistration _interrupt;

    public StopSignal(bool watchStdin, Func<string, Task>? onLine = null, TimeSpan? timeout = null)
    {
        _term = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
        if (timeout is { } t) _stop.CancelAfter(t);
        if (watchStdin) _ = Task.Run(() => ReadStdinAsync(onLine));
    }

    public CancellationToken Token => _stop.Token;

    public Task WaitAsync() => Task.Delay(Timeout.Infinite, _stop.Token).ContinueWith(_ => { }, TaskScheduler.Default);

    private void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        _stop.Cancel();
    }

    private async Task ReadStdinAsync(Func<string, Task>? onLine)
    {
        try
        {
            while (await Console.In.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (line.Trim() == "stop") break;
                if (onLine is not null) await onLine(line).ConfigureAwait(false);
            }
        }
        finally
        {
            _stop.Cancel();
        }
    }

    public void Dispose()
    {
        _term.Dispose();
        _interrupt.Dispose();
    }
}
