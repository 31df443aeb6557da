using System.Buffers.Binary;
using PeerStorage.Core.Transport;
using Serilog.Events;

namespace PeerStorage.Core.Tests.Transport;

public sealed class TransportLifetimeTests
{
    [Fact]
    public async Task A_request_without_an_answer_times_out_and_is_cancelled_on_the_server()
    {
        await using var pair = new TransportPair(clientOptions: new TransportOptions { RequestTimeout = TimeSpan.FromMilliseconds(300) });
        var handlerCancelled = new TaskCompletionSource();
        pair.Router.Map("never", async (ctx, body, ct) =>
        {
            await using (ct.Register(() => handlerCancelled.TrySetResult()))
                await Task.Delay(Timeout.Infinite, ct);
            return body;
        });
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();

        var e = await Assert.ThrowsAsync<PeerStorageException>(() => connection.RequestAsync("never", default));

        Assert.Equal(TransportErrors.PeerRequestTimedOut, e.ErrorId);
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("x"u8.ToArray(), await connection.RequestAsync("echo", "x"u8.ToArray()));
    }

    [Fact]
    public async Task A_caller_cancellation_cancels_the_request_on_the_server()
    {
        await using var pair = new TransportPair();
        var handlerStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var handlerCancelled = new TaskCompletionSource();
        pair.Router.Map("never", async (ctx, body, ct) =>
        {
            await using (ct.Register(() => handlerCancelled.TrySetResult()))
            {
                handlerStarted.TrySetResult();
                await Task.Delay(Timeout.Infinite, ct);
            }
            return body;
        });
        await using var connection = await pair.ConnectAsync();
        using var cancel = new CancellationTokenSource();

        // Cancelled once the server runs it (a cancel before the request left would leave nothing to cancel there).
        var request = connection.RequestAsync("never", default, cancel.Token);
        await handlerStarted.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cancel.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);
        await handlerCancelled.Task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    [Fact]
    public async Task A_peer_that_goes_silent_is_dropped_after_the_read_timeout()
    {
        var options = new TransportOptions { KeepaliveInterval = TimeSpan.FromMilliseconds(150), ReadTimeout = TimeSpan.FromMilliseconds(600) };
        await using var pair = new TransportPair(serverOptions: options);
        // Completes TLS and the hello, then never answers the server's keepalive pings.
        await using var silent = await RawPeer.ConnectAsync(pair.Server.Port, pair.ClientCredentials);

        Assert.True(await silent.WaitClosedAsync(TimeSpan.FromSeconds(5)));
        await pair.ServerLog.WaitForAsync(m => m.Contains("read timeout"));
    }

    [Fact]
    public async Task Keepalive_pings_hold_a_quiet_healthy_connection_open_beyond_the_read_timeout()
    {
        // Generous margins: on a loaded 2-core machine a timer tick can be late by hundreds of milliseconds.
        var options = new TransportOptions { KeepaliveInterval = TimeSpan.FromMilliseconds(200), ReadTimeout = TimeSpan.FromMilliseconds(1500) };
        await using var pair = new TransportPair(serverOptions: options, clientOptions: options);
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();

        await Task.Delay(4000); // well past the read timeout, with no request in between

        Assert.False(connection.Completion.IsCompleted, connection.CloseReason);
        Assert.Equal("alive"u8.ToArray(), await connection.RequestAsync("echo", "alive"u8.ToArray()));
        Assert.True(await connection.PingAsync() < TimeSpan.FromSeconds(1));
    }

    [Fact]
    public async Task A_peer_that_stops_reading_is_dropped_after_the_write_timeout()
    {
        var options = new TransportOptions { WriteTimeout = TimeSpan.FromMilliseconds(500) };
        await using var pair = new TransportPair(serverOptions: options);
        pair.Router.MapStream("firehose", async (ctx, header, stream, ct) =>
        {
            var chunk = new byte[256 * 1024];
            while (true) await stream.WriteAsync(chunk, ct);
        });
        await using var raw = await RawPeer.ConnectAsync(pair.Server.Port, pair.ClientCredentials);
        await raw.WriteFrameAsync(FrameType.Open, FrameFlags.None, 1, OpenMessage.Encode(StreamKind.Bulk, "firehose", []));
        // Grants a huge window but never reads: the server's writes pile up until TCP stops taking them.
        var increment = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(increment, (uint)(int.MaxValue - TransportOptions.Default.InitialStreamWindow));
        await raw.WriteFrameAsync(FrameType.WindowUpdate, FrameFlags.None, 1, increment);

        await pair.ServerLog.WaitForAsync(m => m.Contains("write timeout"), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task An_idle_connection_is_closed_gracefully_after_the_idle_timeout()
    {
        await using var pair = new TransportPair(serverOptions: new TransportOptions { IdleTimeout = TimeSpan.FromMilliseconds(300) });
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();
        await connection.RequestAsync("echo", "x"u8.ToArray());

        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));

        Assert.DoesNotContain("fail", connection.CloseReason);
        var e = await Assert.ThrowsAsync<PeerStorageException>(() => connection.RequestAsync("echo", default));
        Assert.Equal(TransportErrors.PeerConnectionLost, e.ErrorId);
        Assert.Empty(pair.ServerLog.Messages(LogEventLevel.Warning));
    }

    [Fact]
    public async Task A_graceful_close_lets_running_calls_finish_and_refuses_new_ones()
    {
        await using var pair = new TransportPair();
        var release = new TaskCompletionSource();
        pair.Router.Map("slow", async (ctx, body, ct) =>
        {
            await release.Task;
            return body;
        });
        await using var connection = await pair.ConnectAsync();
        var running = connection.RequestAsync("slow", "done"u8.ToArray());
        await Task.Delay(100);

        var closing = connection.CloseAsync();
        var refused = await Assert.ThrowsAsync<PeerStorageException>(() => connection.RequestAsync("slow", default));
        Assert.Equal(TransportErrors.PeerConnectionClosing, refused.ErrorId);
        Assert.False(connection.CanOpenStreams);
        release.SetResult();

        Assert.Equal("done"u8.ToArray(), await running.WaitAsync(TimeSpan.FromSeconds(5)));
        await closing.WaitAsync(TimeSpan.FromSeconds(5));
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
        await WaitUntil(() => pair.Listener.Connections.Count == 0);
    }

    [Fact]
    public async Task Closing_just_as_the_last_stream_ends_never_fails()
    {
        // The stream's end and the close race each other: either may shut TLS down first, neither may throw.
        await using var pair = new TransportPair();
        pair.Router.MapStream("answer", async (ctx, header, stream, ct) => await stream.WriteAsync(new byte[8], ct));
        for (var i = 0; i < 50; i++)
        {
            var connection = await pair.ConnectAsync();
            var stream = await connection.OpenStreamAsync("answer");
            await stream.CompleteWritesAsync();
            await stream.ReadExactlyAsync(new byte[8]); // the server's end of stream may still be in flight
            await connection.CloseAsync();
            await connection.Completion.WaitAsync(TimeSpan.FromSeconds(5));
            await stream.DisposeAsync();
        }
        Assert.Empty(pair.ClientLog.Messages(LogEventLevel.Error));
    }

    [Fact]
    public async Task Completing_writes_as_the_handler_stops_listening_never_fails()
    {
        // What made the test above fail now and then: the handler answers and returns before this side's end of stream
        // reaches it, so it says it stopped listening (PeerStreamClosed), and that arrives while CompleteWritesAsync
        // waits for the write lock. Here the lock is held (another frame being written) until the stop has arrived.
        await using var pair = new TransportPair();
        pair.Router.MapStream("answer", async (ctx, header, stream, ct) => await stream.WriteAsync(new byte[8], ct));
        await using var connection = await pair.ConnectAsync();
        await using var stream = await connection.OpenStreamAsync("answer");
        Task completing;
        await connection.Writer.LockAsync(CancellationToken.None);
        try
        {
            completing = stream.CompleteWritesAsync();
            await WaitUntil(() => stream.IsTerminated);
        }
        finally
        {
            connection.Writer.Unlock();
        }

        await completing.WaitAsync(TimeSpan.FromSeconds(5));
        await stream.ReadExactlyAsync(new byte[8]);
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));
        await connection.CloseAsync();
        Assert.Empty(pair.ClientLog.Messages(LogEventLevel.Error));
    }

    [Fact]
    public async Task Stopping_the_listener_closes_its_connections_gracefully()
    {
        var pair = new TransportPair();
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        var connection = await pair.ConnectAsync();
        await connection.RequestAsync("echo", default);

        await pair.DisposeAsync();

        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.False(connection.CanOpenStreams);
    }

    internal static async Task WaitUntil(Func<bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!condition())
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("The condition did not become true in time.");
            await Task.Delay(20);
        }
    }
}
