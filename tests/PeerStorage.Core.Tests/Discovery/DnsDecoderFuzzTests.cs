using System.Diagnostics;
using PeerStorage.Core.Discovery.Dns;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class DnsDecoderFuzzTests
{
    [Fact]
    public void Fifty_thousand_hostile_packets_decode_or_fail_cleanly_fast_and_without_large_allocations()
    {
        var generator = new HostilePacketGenerator(seed: 6762);
        var clock = Stopwatch.StartNew();
        int decoded = 0, refused = 0;
        long worstAllocation = 0;
        for (var i = 0; i < 50_000; i++)
        {
            var packet = generator.Next();
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                var message = DnsMessage.Decode(packet);
                decoded++;
                // Whatever decodes must encode again and decode to the same records.
                var again = DnsMessage.Decode(message.Encode());
                Assert.Equal(message.AllRecords.Count(), again.AllRecords.Count());
                Assert.All(message.AllRecords.Zip(again.AllRecords), p => Assert.True(p.First.IsSameRecord(p.Second)));
            }
            catch (DnsFormatException)
            {
                refused++;
            }
            worstAllocation = Math.Max(worstAllocation, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(decoded > 1000 && refused > 10_000, $"decoded {decoded}, refused {refused}: the generator should produce both");
        Assert.True(worstAllocation < 1 << 20, $"one packet cost {worstAllocation} bytes");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
    }
}
