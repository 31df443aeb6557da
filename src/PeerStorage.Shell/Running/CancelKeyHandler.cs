using System.Management.Automation;

namespace PeerStorage.Shell.Running;

/// <summary>
/// Ctrl+C (SIGINT) stops the running pipeline instead of killing the process, so finally blocks and the
/// module's cleanup run; a second Ctrl+C ends the process the usual way.
/// </summary>
internal sealed class CancelKeyHandler : IDisposable
{
    private readonly object _sync = new();
    private PowerShell? _running;

    public CancelKeyHandler() => Console.CancelKeyPress += OnCancelKeyPress;

    public bool Cancelled { get; private set; }

    /// <summary>Marks <paramref name="ps"/> as the pipeline to stop while <paramref name="invoke"/> runs.</summary>
    public void Run(PowerShell ps, Action invoke)
    {
        lock (_sync)
        {
            if (Cancelled)
            {
                throw new PipelineStoppedException();
            }

            _running = ps;
        }

        try
        {
            invoke();
        }
        finally
        {
            lock (_sync)
            {
                _running = null;
            }
        }
    }

    public void Dispose() => Console.CancelKeyPress -= OnCancelKeyPress;

    private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
    {
        lock (_sync)
        {
            if (Cancelled)
            {
                return;
            }

            Cancelled = true;
            e.Cancel = true;
            // BeginStop: this handler runs on a signal thread and must not wait for the pipeline to unwind.
            _running?.BeginStop(null, null);
        }
    }
}
