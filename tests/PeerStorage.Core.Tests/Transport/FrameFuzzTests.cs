using System.Security.Authentication;
using PeerStorage.Core.Transport;
using PeerStorage.Core.Trust;
using Serilog.Events;
using Xunit.Abstractions;

namespace PeerStorage.Core.Tests.Transport;

/// <summary>The fuzz tests keep both cores busy for seconds: they run alone, not beside timing-sensitive tests.</summary>
[CollectionDefinition(nameof(FrameFuzzTests), DisableParallelization = true)]
public sealed class FrameFuzzCollection;

[Collection(nameof(FrameFuzzTests))]
public sealed class FrameFuzzTests(ITestOutputHelper output)
{
    private static readonly TransportOptions SmallLimits = new()
    {
        MaxFramePayload = TransportOptions.MinFramePayload,
        InitialStreamWindow = TransportOptions.MinStreamWindow,
        MaxConcurrentStreams = 8,
    };

    [Fact]
    public void The_header_and_payload_decoders_reject_random_and_mutated_input_without_throwing()
    {
        var random = new Random(1);
        var header = new byte[FrameHeader.Size];
        var accepted = 0;
        for (var i = 0; i < 200_000; i++)
        {
            random.NextBytes(header);
            if (i % 2 == 0)
            {
                // Near-valid half of the time: each field plausible, so the checks behind the first one run too.
                header[0] = (byte)random.Next(0, 9);
                header[1] = (byte)random.Next(0, 4);
                header[2] = header[3] = (byte)(random.Next(20) == 0 ? 1 : 0);
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), (uint)random.Next(0, 4));
                System.Buffers.Binary.BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), (uint)random.Next(0, SmallLimits.MaxFramePayload + 100));
            }
            if (FrameHeader.TryRead(header, SmallLimits.MaxFramePayload, out var parsed, out _))
            {
                accepted++;
                Assert.InRange(parsed.Length, 0, SmallLimits.MaxFramePayload);
                Assert.True(parsed.StreamId <= FrameHeader.MaxStreamId);
            }
        }
        output.WriteLine($"{accepted} of 200000 random headers were well-formed");
        Assert.InRange(accepted, 1_000, 100_000);

        var hello = HelloMessage.ForLocal(new TestPeers().Create("fuzz"), TransportOptions.Default).Encode();
        var open = OpenMessage.Encode(StreamKind.Bulk, "backup.put", TestData.Bytes(40, 1));
        var error = new ErrorMessage(PeerErrorKind.NotFound, "SomeError", "Some message é").Encode();
        var goAway = new GoAwayMessage(7, new ErrorMessage(PeerErrorKind.ConnectionError, "Bye", "bye")).Encode();
        foreach (var valid in new[] { hello, open, error, goAway })
        {
            for (var i = 0; i < 25_000; i++)
            {
                var input = Mutate(random, valid);
                HelloMessage.TryDecode(input, out _, out _);
                HelloMessage.TryReadVersion(input, out _, out _);
                OpenMessage.TryDecode(input, out _, out _, out _, out _);
                ErrorMessage.TryDecode(input, out _);
                GoAwayMessage.TryDecode(input, out _);
            }
        }
    }

    [Fact]
    public async Task The_frame_reader_turns_any_byte_stream_into_frames_or_a_violation()
    {
        var fuzzer = new FrameFuzzer(2, SmallLimits.MaxFramePayload, SmallLimits.InitialStreamWindow);
        var payload = new byte[SmallLimits.MaxFramePayload];
        int frames = 0, violations = 0;
        for (var i = 0; i < 20_000; i++)
        {
            var reader = new FrameReader(new MemoryStream(fuzzer.Next().Bytes), SmallLimits.MaxFramePayload);
            try
            {
                while (await reader.ReadHeaderAsync(default) is { } header)
                {
                    await reader.ReadPayloadAsync(payload.AsMemory(0, header.Length), header.Type, default);
                    frames++;
                }
            }
            catch (ProtocolViolationException)
            {
                violations++;
            }
        }
        output.WriteLine($"{frames} frames decoded, {violations} sequences rejected");
        Assert.True(frames > 20_000 && violations > 2_000);
    }

    [Fact]
    public async Task Tens_of_thousands_of_fuzzed_sequences_close_only_their_own_connection_without_crash_hang_or_unbounded_memory()
    {
        using var peers = new TestPeers();
        var server = peers.Create("fuzz-server");
        var client = peers.Create("fuzz-client");
        var log = new LogCollector();
        var router = FuzzRouter();
        var setup = new ConnectionSetup(IsClient: false, server, SmallLimits, router, log.Logger);
        var peer = new AuthenticatedPeer(client.NodeId, TrustBasis.Pinned, null, [], SslProtocols.Tls13, null);
        var hello = FrameFuzzer.Frame(FrameType.Hello, FrameFlags.None, 0, HelloMessage.ForLocal(client, SmallLimits).Encode());
        var fuzzer = new FrameFuzzer(3, SmallLimits.MaxFramePayload, SmallLimits.InitialStreamWindow);
        var outcomes = new Dictionary<string, int>();

        const int cases = 20_000;
        var frames = 0;
        for (var i = 0; i < cases; i++)
        {
            var (bytes, mutation) = fuzzer.Next();
            frames += CountFrames(bytes);
            var reason = await RunCaseAsync(setup, peer, hello, bytes);
            var outcome = reason.StartsWith("protocol violation") ? $"{mutation}: violation" : $"{mutation}: ended";
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        foreach (var (outcome, count) in outcomes.OrderBy(o => o.Key)) output.WriteLine($"{outcome,-32} {count}");
        output.WriteLine($"{frames} frames in {cases} sequences");

        Assert.Empty(log.Messages(LogEventLevel.Error)); // nothing escaped as an unexpected failure
        foreach (var always in new[] { "HugeLength", "UnknownType", "NeverOpenedStream", "ReusedId", "WindowOverflow", "DataAfterEnd" })
            Assert.DoesNotContain(outcomes.Keys, k => k == $"{always}: ended");

        // Absurd lengths are refused from the header alone: nothing is allocated for them.
        GC.Collect();
        var before = GC.GetTotalAllocatedBytes(precise: true);
        const int hugeCases = 500;
        for (var i = 0; i < hugeCases; i++)
            Assert.StartsWith("protocol violation", await RunCaseAsync(setup, peer, hello, fuzzer.HugeLengthHeader()));
        var perCase = (GC.GetTotalAllocatedBytes(precise: true) - before) / hugeCases;
        output.WriteLine($"{perCase} bytes allocated per connection refused for a huge length");
        Assert.True(perCase < 256 * 1024, $"{perCase} bytes allocated per huge-length frame");
    }

    [Fact]
    public async Task Fuzzed_TLS_connections_are_dropped_one_by_one_while_the_listener_keeps_serving_good_clients()
    {
        await using var pair = new TransportPair(serverOptions: SmallLimits);
        foreach (var (method, route) in new[] { ("echo", 0), ("sink", 1), ("sink-slow", 2) })
        {
            if (route == 0) pair.Router.Map(method, (ctx, body, ct) => ValueTask.FromResult(body));
            else pair.Router.MapStream(method, async (ctx, header, stream, ct) =>
            {
                if (route == 2) await Task.Delay(Timeout.Infinite, ct);
                await TestData.ReadAllAsync(stream, ct);
            });
        }
        await using var good = await pair.ConnectAsync();
        using var stop = new CancellationTokenSource();
        var goodCalls = 0;
        var goodClientLoop = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var body = TestData.Bytes(1000, goodCalls);
                Assert.Equal(body, await good.RequestAsync("echo", body));
                goodCalls++;
                await Task.Delay(2); // steady traffic, without starving the fuzzing connections of CPU
            }
        });

        var fuzzer = new FrameFuzzer(4, SmallLimits.MaxFramePayload, SmallLimits.InitialStreamWindow);
        var closedByServer = 0;
        const int cases = 300;
        for (var batch = 0; batch < cases / 10; batch++)
        {
            var results = await Task.WhenAll(Enumerable.Range(0, 10).Select(async _ =>
            {
                var (bytes, mutation) = fuzzer.Next();
                await using var raw = await RawPeer.ConnectAsync(pair.Server.Port, pair.ClientCredentials);
                try
                {
                    await raw.WriteRawAsync(bytes);
                }
                catch (IOException)
                {
                    return true; // already closed by the server
                }
                return mutation != FrameFuzzer.Mutation.None && await raw.WaitClosedAsync(TimeSpan.FromMilliseconds(500));
            }));
            closedByServer += results.Count(closed => closed);
        }
        stop.Cancel();
        await goodClientLoop;

        output.WriteLine($"{closedByServer} of {cases} fuzzed connections closed by the server; {goodCalls} good requests meanwhile");
        Assert.True(closedByServer > cases / 2);
        Assert.True(goodCalls > 10);
        Assert.Equal("still here"u8.ToArray(), await good.RequestAsync("echo", "still here"u8.ToArray()));
        await using var fresh = await pair.ConnectAsync();
        Assert.Equal("fresh"u8.ToArray(), await fresh.RequestAsync("echo", "fresh"u8.ToArray()));
        await TransportLifetimeTests.WaitUntil(() => pair.Listener.Connections.Count == 2);
        Assert.Empty(pair.ServerLog.Messages(LogEventLevel.Error));
        Assert.Contains(pair.ServerLog.Messages(LogEventLevel.Warning), m => m.Contains("protocol violation"));
    }

    private static RequestRouter FuzzRouter()
    {
        var router = new RequestRouter();
        router.Map("echo", (ctx, body, ct) => ValueTask.FromResult(body));
        router.MapStream("sink", async (ctx, header, stream, ct) => await TestData.ReadAllAsync(stream, ct));
        router.MapStream("sink-slow", async (ctx, header, stream, ct) => await Task.Delay(Timeout.Infinite, ct));
        return router;
    }

    /// <summary>Feeds a valid hello, the fuzzed bytes and end of stream to a fresh server-side connection; returns why it closed.</summary>
    private static async Task<string> RunCaseAsync(ConnectionSetup setup, AuthenticatedPeer peer, byte[] hello, byte[] fuzz)
    {
        var (serverSide, fuzzSide) = DuplexPipeStream.CreatePair();
        await fuzzSide.WriteAsync(hello);
        await fuzzSide.WriteAsync(fuzz);
        fuzzSide.CompleteWrites();
        var connection = await PeerConnection.EstablishAsync(serverSide, setup, peer, default);
        await connection.Completion.WaitAsync(TimeSpan.FromSeconds(10)); // a hang fails here
        return connection.CloseReason ?? "";
    }

    private static int CountFrames(byte[] bytes)
    {
        int count = 0, offset = 0;
        while (offset + FrameHeader.Size <= bytes.Length)
        {
            count++;
            offset += FrameHeader.Size + (int)Math.Min(int.MaxValue - offset, System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 8)));
            if (offset < 0) break;
        }
        return count;
    }

    private static byte[] Mutate(Random random, byte[] valid)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(4))
        {
            case 0:
                for (var i = random.Next(1, 6); i > 0; i--) bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length)];
            case 2:
                var noise = new byte[random.Next(0, 300)];
                random.NextBytes(noise);
                return noise;
            default:
                return bytes.Concat(new byte[random.Next(1, 10)]).ToArray();
        }
    }
}
