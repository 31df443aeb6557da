using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Multicast;

namespace PeerStorage.Core.Tests.Imaging;

/// <summary>The server side of imaging against a real HTTP server (lighttpd).</summary>
public sealed class ImageServerClientTests : IDisposable
{
    private const int BlockSize = 65536;
    private readonly TempDirectory _temp = new();

    public ImageServerClientTests() => Directory.CreateDirectory(_temp.Path);

    public void Dispose() => _temp.Dispose();

    private string StagingPath => _temp.Combine("staging.img");

    /// <summary>An image of <paramref name="length"/> bytes and its manifest, published in the server's document root.</summary>
    private static async Task<(byte[] Bytes, ImageManifest Manifest, Uri Uri)> PublishAsync(LighttpdServer server, int length, string name = "disk.img")
    {
        var (path, bytes, manifest) = await ImageFiles.CreateAsync(Path.Combine(server.DocumentRoot, name), length, BlockSize);
        manifest.Save(path + ImageManifest.ManifestSuffix);
        return (bytes, manifest, server.UriOf(name));
    }

    private static ImageServerClient Client(HttpMessageHandler? handler = null) => new(handler) { InitialBackoff = TimeSpan.FromMilliseconds(50) };

    private static long ImageBytesSent(IEnumerable<(int Status, long Bytes, string Range, string Path)> log) =>
        log.Where(l => l.Path == "/disk.img").Sum(l => l.Bytes);

    [Fact]
    public async Task AWholeImageArrivesByteEqual()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (bytes, published, uri) = await PublishAsync(server, 20 * 1024 * 1024 + 1000); // three 8 MiB requests
        using var client = Client();
        var manifest = await client.GetManifestAsync(uri);
        Assert.Equal(published.MerkleRoot, manifest.MerkleRoot);

        var progress = new ImageFiles.Recorder();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            await client.FetchMissingAsync(uri, staging, bytes: progress);
            Assert.True(staging.IsComplete);
            Assert.False(staging.HasUnsavedChanges);
            Assert.True(await staging.VerifyImageAsync());
        }
        Assert.Equal(manifest.Size, progress.Last);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
        var log = server.StopAndReadAccessLog().Where(l => l.Path == "/disk.img").ToList();
        Assert.Equal(3, log.Count);
        Assert.All(log, l => Assert.Equal(206, l.Status));
    }

    [Fact]
    public async Task HttpsWorksTheSame()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddHours(1));
        using var server = new LighttpdServer(_temp.Combine("server"), certificate: certificate);
        var (bytes, _, uri) = await PublishAsync(server, 1024 * 1024 + 3);
        Assert.Equal("https", uri.Scheme);

        // Trust exactly this server's certificate, as a fleet would pin its image server.
        var pinned = new SocketsHttpHandler();
        pinned.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) => presented?.GetCertHashString() == certificate.GetCertHashString();
        using var client = Client(pinned);
        using (var staging = ImageStaging.Open(StagingPath, await client.GetManifestAsync(uri)))
        {
            await client.FetchMissingAsync(uri, staging);
            Assert.True(staging.IsComplete);
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
    }

    [Fact]
    public async Task AResumedFetchAsksOnlyForMissingBlocks()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (bytes, manifest, uri) = await PublishAsync(server, 3 * 1024 * 1024 + 5);
        using var client = Client();
        var progress = new ImageFiles.Recorder();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            foreach (var block in Enumerable.Range(0, 10).Concat(Enumerable.Range(30, 5)))
                Assert.True(staging.TryStoreBlock(block, ImageFiles.Block(bytes, manifest, block)));
            var missing = manifest.Size - staging.VerifiedBytes;
            await client.FetchMissingAsync(uri, staging, bytes: progress);
            Assert.True(staging.IsComplete);
            Assert.Equal(missing, progress.Last);
            Assert.Equal(missing, ImageBytesSent(server.StopAndReadAccessLog()));
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
    }

    [Fact]
    public async Task OnlyWantedBlocksAreFetched()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (_, manifest, uri) = await PublishAsync(server, 2 * 1024 * 1024);
        using var client = Client();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        await client.FetchMissingAsync(uri, staging, wanted: block => block % 3 == 0);
        Assert.Equal(Enumerable.Range(0, manifest.BlockCount).Select(b => b % 3 == 0), Enumerable.Range(0, manifest.BlockCount).Select(staging.Has));
        Assert.Equal(staging.VerifiedBytes, ImageBytesSent(server.StopAndReadAccessLog()));
    }

    [Fact]
    public async Task AServerThatIgnoresRangeIsReadOnceKeepingWhatIsMissing()
    {
        using var server = new LighttpdServer(_temp.Combine("server"), rangeRequests: false);
        var (bytes, manifest, uri) = await PublishAsync(server, 20 * 1024 * 1024 + 7);
        using var client = Client();
        var progress = new ImageFiles.Recorder();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            foreach (var block in Enumerable.Range(0, 40))
                Assert.True(staging.TryStoreBlock(block, ImageFiles.Block(bytes, manifest, block)));
            await client.FetchMissingAsync(uri, staging, bytes: progress);
            Assert.True(staging.IsComplete);
            Assert.Equal(manifest.Size - 40L * BlockSize, progress.Last);
        }
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
        var log = server.StopAndReadAccessLog().Where(l => l.Path == "/disk.img").ToList();
        Assert.Equal(200, Assert.Single(log).Status);
    }

    [Fact]
    public async Task AMissingManifestOrImageIsImageNotFound()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (_, manifest, uri) = await PublishAsync(server, 100_000);
        using var client = Client();
        var thrown = await Assert.ThrowsAsync<ImageServerException>(() => client.GetManifestAsync(server.UriOf("other.img")));
        Assert.Equal(ImageServerException.NotFound, thrown.ErrorId);

        File.Delete(Path.Combine(server.DocumentRoot, "disk.img"));
        using var staging = ImageStaging.Open(StagingPath, manifest);
        thrown = await Assert.ThrowsAsync<ImageServerException>(() => client.FetchMissingAsync(uri, staging));
        Assert.Equal(ImageServerException.NotFound, thrown.ErrorId);
    }

    [Fact]
    public async Task AServerFileThatDiffersFromTheManifestIsCorruptAndTheBadBlockNotStored()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (bytes, manifest, uri) = await PublishAsync(server, 1024 * 1024);
        const int bad = 7;
        bytes[bad * BlockSize + 1000] ^= 0xFF;
        await File.WriteAllBytesAsync(Path.Combine(server.DocumentRoot, "disk.img"), bytes);

        using var client = Client();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            var thrown = await Assert.ThrowsAsync<ImageServerException>(() => client.FetchMissingAsync(uri, staging));
            Assert.Equal(ImageServerException.BlockCorrupt, thrown.ErrorId);
            Assert.False(staging.Has(bad));
            Assert.Equal(bad, staging.VerifiedCount); // the good blocks before it stay
        }
        var staged = await File.ReadAllBytesAsync(StagingPath);
        Assert.All(staged.AsSpan(bad * BlockSize, BlockSize).ToArray(), b => Assert.Equal(0, b));
    }

    [Fact]
    public async Task AServerFileOfAnotherSizeIsASizeMismatch()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (bytes, manifest, uri) = await PublishAsync(server, 300_000);
        await File.WriteAllBytesAsync(Path.Combine(server.DocumentRoot, "disk.img"), [.. bytes, 1, 2, 3]);
        using var client = Client();
        using var staging = ImageStaging.Open(StagingPath, manifest);
        Assert.Equal(ImageServerException.SizeMismatch,
            (await Assert.ThrowsAsync<ImageServerException>(() => client.FetchMissingAsync(uri, staging))).ErrorId);
        Assert.Equal(0, staging.VerifiedCount);
    }

    [Fact]
    public async Task CancellationStopsAndKeepsWhatWasStored()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (_, manifest, uri) = await PublishAsync(server, 32 * 1024 * 1024);
        using var client = Client();
        using var cancel = new CancellationTokenSource();
        var progress = new ImageFiles.Recorder(stored => { if (stored >= 1024 * 1024) cancel.Cancel(); });
        int verified;
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.FetchMissingAsync(uri, staging, bytes: progress, cancellationToken: cancel.Token));
            verified = staging.VerifiedCount;
            Assert.InRange(verified, 16, manifest.BlockCount / 2);
            Assert.False(staging.HasUnsavedChanges);
        }
        using (var staging = ImageStaging.Open(StagingPath, manifest)) Assert.Equal(verified, staging.VerifiedCount);
    }

    [Fact]
    public async Task AConnectionCutMidBodyResumesAfterTheLastStoredBlock()
    {
        using var server = new LighttpdServer(_temp.Combine("server"));
        var (bytes, manifest, uri) = await PublishAsync(server, 4 * 1024 * 1024);
        using var client = Client(new CutFirstBodyHandler(cutAfter: 1024 * 1024 + 100));
        var progress = new ImageFiles.Recorder();
        using (var staging = ImageStaging.Open(StagingPath, manifest))
        {
            await client.FetchMissingAsync(uri, staging, bytes: progress);
            Assert.True(staging.IsComplete);
        }
        Assert.Equal(manifest.Size, progress.Last);
        Assert.Equal(bytes, await File.ReadAllBytesAsync(StagingPath));
        var ranges = server.StopAndReadAccessLog().Where(l => l.Path == "/disk.img").Select(l => l.Range).ToList();
        Assert.Equal([$"bytes=0-{manifest.Size - 1}", $"bytes={16 * BlockSize}-{manifest.Size - 1}"], ranges);
    }

    /// <summary>Cuts the first response's body after some bytes, as a connection reset would.</summary>
    private sealed class CutFirstBodyHandler(long cutAfter) : DelegatingHandler(new SocketsHttpHandler())
    {
        private int _responses;

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            if (Interlocked.Increment(ref _responses) != 1) return response;
            var cut = new StreamContent(new CutStream(await response.Content.ReadAsStreamAsync(cancellationToken), cutAfter));
            foreach (var header in response.Content.Headers) cut.Headers.TryAddWithoutValidation(header.Key, header.Value);
            response.Content = cut;
            return response;
        }
    }

    private sealed class CutStream(Stream inner, long cutAfter) : Stream
    {
        private long _read;

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_read >= cutAfter) throw new IOException("Connection reset by peer (simulated).");
            var n = await inner.ReadAsync(buffer[..(int)Math.Min(buffer.Length, cutAfter - _read)], cancellationToken);
            _read += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
