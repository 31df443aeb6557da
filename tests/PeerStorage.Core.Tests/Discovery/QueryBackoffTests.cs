using PeerStorage.Core.Discovery.Browser;

namespace PeerStorage.Core.Tests.Discovery;

public sealed class QueryBackoffTests
{
    [Fact]
    public void Intervals_double_from_one_second_up_to_an_hour()
    {
        var backoff = new QueryBackoff();
        var intervals = Enumerable.Range(0, 16).Select(_ => backoff.Next().TotalSeconds).ToList();
        Assert.Equal([1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 3600, 3600, 3600, 3600], intervals);
        backoff.Reset();
        Assert.Equal(1, backoff.Next().TotalSeconds);
    }
}
