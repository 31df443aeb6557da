using System.Diagnostics;
using PeerStorage.Core.Transport;

namespace PeerStorage.Core.Tests.Transport;

public sealed class TransportStreamTests
{
    /// <summary>"upload" hashes what it reads and answers the hash; "download" writes the bytes its header describes.</summary>
    private static void MapBulk(RequestRouter router)
    {
        router.MapStream("upload", async (ctx, header, stream, ct) =>
        {
            var (length, hash) = await TestData.ReadAllAsync(stream, ct);
            await stream.WriteAsync(BitConverter.GetBytes(length).Concat(hash).ToArray(), ct);
        });
        router.MapStream("download", async (ctx, header, stream, ct) =>
        {
            var (length, seed) = TestData.ParseHeader(header.Span);
            await TestData.WriteSeededAsync(stream, length, seed, 100_000, ct);
        });
        router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
    }

    [Fact]
    public async Task Twenty_concurrent_requests_interleave_with_an_upload_and_a_download_on_one_connection()
    {
        await using var pair = new TransportPair();
        MapBulk(pair.Router);
        await using var connection = await pair.ConnectAsync();
        const long bulkSize = 24L * 1024 * 1024;

        await using var upload = await connection.OpenStreamAsync("upload");
        await using var download = await connection.OpenStreamAsync("download", TestData.Header(bulkSize, 42));
        var uploading = Task.Run(() => TestData.WriteSeededAsync(upload, bulkSize, 7));
        var downloading = Task.Run(() => TestData.ReadAllAsync(download));

        // Bodies from empty to several frames long, each with its own content.
        var sizes = Enumerable.Range(0, 20).Select(i => i switch { 0 => 0, 1 => 600_000, 2 => 262_144, _ => 1 + i * 997 }).ToArray();
        var requests = sizes.Select((size, i) => (Body: TestData.Bytes(size, i), Answer: connection.RequestAsync("echo", TestData.Bytes(size, i)))).ToArray();
        var answers = await Task.WhenAll(requests.Select(r => r.Answer)).WaitAsync(TimeSpan.FromSeconds(30));
        // The requests did not wait for the bulk transfers: those are still going.
        var bulkStillRunning = !uploading.IsCompleted || !downloading.IsCompleted;

        for (var i = 0; i < requests.Length; i++) Assert.Equal(requests[i].Body, answers[i]);
        var sentHash = await uploading.WaitAsync(TimeSpan.FromSeconds(60));
        await upload.CompleteWritesAsync();
        var reply = new byte[8 + 32];
        await upload.ReadExactlyAsync(reply);
        Assert.Equal(bulkSize, BitConverter.ToInt64(reply));
        Assert.Equal(sentHash, reply[8..]);
        Assert.Equal(0, await upload.ReadAsync(new byte[1]));

        var (received, receivedHash) = await downloading.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.Equal(bulkSize, received);
        Assert.Equal(await TestData.WriteSeededAsync(Stream.Null, bulkSize, 42, 100_000), receivedHash);
        Assert.True(bulkStillRunning, "the requests should have completed while the bulk streams were still running");
        Assert.Single(pair.Listener.Connections);
    }

    [Fact]
    public async Task A_reader_that_does_not_read_blocks_the_writer_at_the_window_and_releases_it_when_it_reads()
    {
        const int window = 256 * 1024;
        await using var pair = new TransportPair(serverOptions: new TransportOptions { InitialStreamWindow = window });
        var startReading = new TaskCompletionSource();
        var readByServer = new TaskCompletionSource<(long, byte[])>();
        pair.Router.MapStream("slow", async (ctx, header, stream, ct) =>
        {
            await startReading.Task;
            readByServer.SetResult(await TestData.ReadAllAsync(stream, ct));
        });
        await using var connection = await pair.ConnectAsync();
        await using var stream = await connection.OpenStreamAsync("slow");

        long written = 0;
        var chunk = new byte[16 * 1024];
        var before = GC.GetTotalMemory(forceFullCollection: true);
        Task pending;
        var clock = Stopwatch.StartNew();
        while (true)
        {
            pending = stream.WriteAsync(chunk).AsTask();
            if (await Task.WhenAny(pending, Task.Delay(500)) != pending) break; // blocked: the window is used up
            written += chunk.Length;
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the writer never blocked ({written} bytes written)");
        }
        var growth = GC.GetTotalMemory(forceFullCollection: true) - before;

        Assert.InRange(written, window - chunk.Length, window);
        Assert.False(pending.IsCompleted);
        Assert.True(growth < 8 * window, $"memory grew by {growth} bytes while the reader did not read");

        startReading.SetResult();
        await pending.WaitAsync(TimeSpan.FromSeconds(10));
        written += chunk.Length;
        await TestData.WriteSeededAsync(stream, 4 * window, seed: 1);
        written += 4 * window;
        await stream.CompleteWritesAsync();
        var (total, _) = await readByServer.Task.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(written, total);
    }

    [Fact]
    public async Task Cancelling_one_stream_leaves_the_others_and_the_connection_working()
    {
        await using var pair = new TransportPair();
        var cancelledOnServer = new TaskCompletionSource<(string? ErrorId, bool TokenCancelled)>();
        pair.Router.MapStream("echo-stream", async (ctx, header, stream, ct) =>
        {
            try
            {
                await stream.CopyToAsync(stream, ct);
            }
            catch (Exception e)
            {
                // The handler's pending read fails with the peer's reason, and its token is cancelled.
                cancelledOnServer.TrySetResult(((e as PeerStorageException)?.ErrorId, ct.IsCancellationRequested));
                throw;
            }
        });
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();
        var streams = new[] { await connection.OpenStreamAsync("echo-stream"), await connection.OpenStreamAsync("echo-stream"), await connection.OpenStreamAsync("echo-stream") };
        foreach (var s in streams) await s.WriteAsync("ping"u8.ToArray());
        foreach (var s in streams) Assert.Equal("ping"u8.ToArray(), await ReadExactly(s, 4));

        await streams[1].CancelAsync();
        var seenByHandler = await cancelledOnServer.Task.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal((TransportErrors.PeerStreamCancelled, true), seenByHandler);
        var e = await Assert.ThrowsAsync<PeerStorageException>(() => streams[1].WriteAsync("more"u8.ToArray()).AsTask());
        Assert.Equal(TransportErrors.PeerStreamCancelled, e.ErrorId);

        foreach (var s in new[] { streams[0], streams[2] })
        {
            await s.WriteAsync("again"u8.ToArray());
            Assert.Equal("again"u8.ToArray(), await ReadExactly(s, 5));
            await s.CompleteWritesAsync();
            Assert.Equal(0, await s.ReadAsync(new byte[1]));
            await s.DisposeAsync();
        }
        Assert.Equal("still fine"u8.ToArray(), await connection.RequestAsync("echo", "still fine"u8.ToArray()));
        await Task.Delay(50);
        Assert.Equal(0, connection.ActiveStreams);
    }

    [Fact]
    public async Task Handler_failures_come_back_as_error_frames_with_their_ids_and_the_connection_survives()
    {
        await using var pair = new TransportPair();
        pair.Router.Map("fails-known", (ctx, body, ct) => throw new PeerStorageException("LeaseExpired", PeerErrorKind.InvalidOperation, "The lease ended at noon."));
        pair.Router.Map("fails-unknown", (ctx, body, ct) => throw new InvalidOperationException("boom"));
        pair.Router.MapStream("fails-mid-stream", async (ctx, header, stream, ct) =>
        {
            await stream.WriteAsync(new byte[1000], ct);
            throw new PeerStorageException("DiskFull", PeerErrorKind.ResourceUnavailable, "No space left.");
        });
        pair.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        await using var connection = await pair.ConnectAsync();

        var known = await Assert.ThrowsAsync<PeerRemoteException>(() => connection.RequestAsync("fails-known", default));
        Assert.Equal("LeaseExpired", known.ErrorId);
        Assert.Equal(PeerErrorKind.InvalidOperation, known.Kind);
        Assert.Equal("The lease ended at noon.", known.Message);
        Assert.Equal(pair.ServerCredentials.NodeId, known.RemoteNodeId);

        var unknown = await Assert.ThrowsAsync<PeerRemoteException>(() => connection.RequestAsync("fails-unknown", default));
        Assert.Equal(TransportErrors.PeerHandlerFailed, unknown.ErrorId);
        Assert.Contains("boom", unknown.Message);

        var missing = await Assert.ThrowsAsync<PeerRemoteException>(() => connection.RequestAsync("no-such-method", default));
        Assert.Equal(TransportErrors.PeerMethodNotFound, missing.ErrorId);
        Assert.Equal(PeerErrorKind.NotFound, missing.Kind);

        var wrongKind = await Assert.ThrowsAsync<PeerRemoteException>(() => connection.RequestAsync("fails-mid-stream", default));
        Assert.Equal(TransportErrors.PeerMethodKindMismatch, wrongKind.ErrorId);

        await using var stream = await connection.OpenStreamAsync("fails-mid-stream");
        var midStream = await Assert.ThrowsAsync<PeerRemoteException>(() => TestData.ReadAllAsync(stream));
        Assert.Equal("DiskFull", midStream.ErrorId);

        Assert.Equal("ok"u8.ToArray(), await connection.RequestAsync("echo", "ok"u8.ToArray()));
        Assert.Contains(pair.ServerLog.Messages(), m => m.Contains("fails-unknown"));
    }

    [Fact]
    public async Task Messages_over_the_limit_are_refused_and_bulk_data_belongs_in_streams()
    {
        var limited = new TransportOptions { MaxMessageBytes = 100_000 };
        await using var limitedServer = new TransportPair(serverOptions: limited);
        limitedServer.Router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        limitedServer.Router.Map("big-answer", (ctx, body, ct) => ValueTask.FromResult<ReadOnlyMemory<byte>>(new byte[200_000]));
        await using var toLimitedServer = await limitedServer.ConnectAsync();
        await using var limitedClient = new TransportPair(clientOptions: limited);
        limitedClient.Router.Map("big-answer", (ctx, body, ct) => ValueTask.FromResult<ReadOnlyMemory<byte>>(new byte[200_000]));
        await using var fromLimitedClient = await limitedClient.ConnectAsync();

        // The server refuses a body above its limit, and will not send an answer above it either.
        var tooBig = await Assert.ThrowsAsync<PeerRemoteException>(() => toLimitedServer.RequestAsync("echo", new byte[150_000]));
        Assert.Equal(TransportErrors.PeerMessageTooLarge, tooBig.ErrorId);
        var answerRefused = await Assert.ThrowsAsync<PeerRemoteException>(() => toLimitedServer.RequestAsync("big-answer", default));
        Assert.Equal(TransportErrors.PeerMessageTooLarge, answerRefused.ErrorId);
        // A client refuses, on its own, an answer above its limit, and a body above it before sending anything.
        var answerTooBig = await Assert.ThrowsAsync<PeerStorageException>(() => fromLimitedClient.RequestAsync("big-answer", default));
        Assert.Equal(TransportErrors.PeerMessageTooLarge, answerTooBig.ErrorId);
        var bodyTooBig = await Assert.ThrowsAsync<PeerStorageException>(() => fromLimitedClient.RequestAsync("big-answer", new byte[100_001]));
        Assert.Equal(TransportErrors.PeerMessageTooLarge, bodyTooBig.ErrorId);

        Assert.Equal(90_000, (await toLimitedServer.RequestAsync("echo", new byte[90_000])).Length);
    }

    [Fact]
    public async Task A_handler_that_finishes_early_stops_the_upload_and_its_answer_still_arrives()
    {
        await using var pair = new TransportPair();
        pair.Router.MapStream("first-bytes", async (ctx, header, stream, ct) =>
        {
            var first = new byte[4];
            await stream.ReadExactlyAsync(first, ct);
            await stream.WriteAsync(first, ct); // answers after four bytes and ignores the rest
        });
        await using var connection = await pair.ConnectAsync();
        await using var stream = await connection.OpenStreamAsync("first-bytes");

        await stream.WriteAsync("abcd"u8.ToArray());
        Assert.Equal("abcd"u8.ToArray(), await ReadExactly(stream, 4));
        Assert.Equal(0, await stream.ReadAsync(new byte[1]));

        // More data would be lost, so writing fails once the peer's close arrives; completing is harmless.
        var closed = await Assert.ThrowsAsync<PeerRemoteException>(async () =>
        {
            for (var i = 0; i < 1000; i++)
            {
                await stream.WriteAsync(new byte[1024]);
                await Task.Delay(5);
            }
        });
        Assert.Equal(TransportErrors.PeerStreamClosed, closed.ErrorId);
        await stream.CompleteWritesAsync();
    }

    [Fact]
    public async Task Streams_beyond_the_peers_limit_wait_for_a_free_slot()
    {
        await using var pair = new TransportPair(serverOptions: new TransportOptions { MaxConcurrentStreams = 2 });
        pair.Router.MapStream("hold", async (ctx, header, stream, ct) => await TestData.ReadAllAsync(stream, ct));
        await using var connection = await pair.ConnectAsync();
        var first = await connection.OpenStreamAsync("hold");
        var second = await connection.OpenStreamAsync("hold");

        var third = connection.OpenStreamAsync("hold");
        await Task.Delay(300);
        Assert.False(third.IsCompleted);

        await first.CompleteWritesAsync();
        Assert.Equal(0, await first.ReadAsync(new byte[1]));
        var opened = await third.WaitAsync(TimeSpan.FromSeconds(10));
        await opened.WriteAsync(new byte[10]);
        await opened.CompleteWritesAsync();
        Assert.Equal(0, await opened.ReadAsync(new byte[1]));
        await second.CancelAsync();
    }

    [Fact]
    public async Task The_server_can_call_back_into_the_client_on_the_same_connection()
    {
        await using var pair = new TransportPair();
        pair.Router.Map("call-me-back", async (ctx, body, ct) => await ctx.Connection.RequestAsync("client.name", default, ct));
        var clientRouter = new RequestRouter().Map("client.name", (ctx, body, ct) => ValueTask.FromResult<ReadOnlyMemory<byte>>("it is me"u8.ToArray()));
        var client = new PeerClient(pair.ClientCredentials, pair.ClientPolicy, router: clientRouter);
        await using var connection = await client.ConnectAsync("127.0.0.1", pair.Server.Port);

        Assert.Equal("it is me"u8.ToArray(), await connection.RequestAsync("call-me-back", default));
    }

    private static async Task<byte[]> ReadExactly(Stream stream, int count)
    {
        var buffer = new byte[count];
        await stream.ReadExactlyAsync(buffer).AsTask().WaitAsync(TimeSpan.FromSeconds(10));
        return buffer;
    }
}
