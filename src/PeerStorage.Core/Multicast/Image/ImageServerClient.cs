using System.Buffers;
using System.Net;
using System.Net.Http.Headers;

namespace PeerStorage.Core.Multicast;

/// <summary>
/// Fetches an image's manifest and missing blocks from its HTTP(S) server: Range requests of runs of missing blocks
/// (up to 8 MiB each, two in flight), every block verified against its leaf before it is stored, retries with backoff
/// that resume after the last stored block. A server that ignores Range is read front to back, keeping what is needed.
/// </summary>
public sealed class ImageServerClient : IDisposable
{
    public const int MaximumRequestBytes = 8 * 1024 * 1024;
    public const int RequestsInFlight = 2;

    private readonly HttpClient _http;

    /// <param name="handler">The HTTP stack (tests pass their own); null for a default one.</param>
    public ImageServerClient(HttpMessageHandler? handler = null)
    {
        _http = new HttpClient(handler ?? new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(15) })
        {
            Timeout = Timeout.InfiniteTimeSpan, // a long body is fine; a silent one is caught by IdleTimeout
        };
    }

    /// <summary>Failed attempts in a row (without a block stored in between) before the server counts as unreachable.</summary>
    public int MaxAttempts { get; init; } = 5;
    /// <summary>The wait after the first failure; it doubles with each further one (up to 30 s).</summary>
    public TimeSpan InitialBackoff { get; init; } = TimeSpan.FromMilliseconds(500);
    /// <summary>How long the server may send nothing before the request is retried.</summary>
    public TimeSpan IdleTimeout { get; init; } = TimeSpan.FromSeconds(30);
    /// <summary>How often the staging is checkpointed while blocks arrive.</summary>
    public TimeSpan CheckpointInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Fetches and validates <c>&lt;imageUri&gt;.manifest.json</c>.</summary>
    public async Task<ImageManifest> GetManifestAsync(Uri imageUri, CancellationToken cancellationToken = default)
    {
        var manifestUri = ImageManifest.ManifestUriFor(imageUri);
        var json = await WithRetriesAsync(manifestUri, madeProgress: null, async token =>
        {
            // A manifest is small: the whole of it gets the idle timeout.
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(token);
            idle.CancelAfter(IdleTimeout);
            using var response = await SendAsync(manifestUri, range: null, idle.Token).ConfigureAwait(false);
            ThrowUnlessSuccess(response, manifestUri);
            return await response.Content.ReadAsByteArrayAsync(idle.Token).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return ImageManifest.Parse(json);
    }

    /// <summary>
    /// Downloads the blocks the staging lacks (those <paramref name="wanted"/> accepts; null: all of them) from the
    /// image at <paramref name="imageUri"/>. <paramref name="bytes"/> receives the bytes stored so far by this call
    /// (from up to <see cref="RequestsInFlight"/> threads, so a report may arrive after a larger one).
    /// What was stored stays stored, also on failure or cancellation (the staging is checkpointed on the way out).
    /// </summary>
    public async Task FetchMissingAsync(Uri imageUri, ImageStaging staging, Func<int, bool>? wanted = null,
        IProgress<long>? bytes = null, CancellationToken cancellationToken = default)
    {
        var fetch = new Fetch(this, imageUri, staging, wanted, bytes);
        var requests = PlanRequests(staging, fetch.IsNeeded).ToList();
        if (requests.Count == 0) return;
        try
        {
            // The first request alone: a server that ignores Range sends the whole image, which serves every block at once.
            if (!await fetch.RangeWithRetriesAsync(requests[0], cancellationToken).ConfigureAwait(false)) return;
            await Parallel.ForEachAsync(requests.Skip(1), new ParallelOptions { MaxDegreeOfParallelism = RequestsInFlight, CancellationToken = cancellationToken },
                async (request, token) => await fetch.RangeWithRetriesAsync(request, token).ConfigureAwait(false)).ConfigureAwait(false);
        }
        finally
        {
            staging.Checkpoint();
        }
    }

    /// <summary>Runs of needed blocks, cut so that no request asks for more than <see cref="MaximumRequestBytes"/>.</summary>
    private static IEnumerable<(int FirstBlock, int Count)> PlanRequests(ImageStaging staging, Func<int, bool> isNeeded)
    {
        var perRequest = Math.Max(1, MaximumRequestBytes / staging.Manifest.BlockSize);
        foreach (var (firstMissing, missingCount) in staging.MissingRuns())
        {
            var first = -1;
            for (var block = firstMissing; block <= firstMissing + missingCount; block++)
            {
                var needed = block < firstMissing + missingCount && isNeeded(block);
                if (needed && first < 0) first = block;
                if (first >= 0 && (!needed || block - first == perRequest))
                {
                    yield return (first, block - first);
                    first = needed ? block : -1;
                }
            }
        }
    }

    /// <summary>One FetchMissingAsync call: its staging, filter, progress and checkpoint clock.</summary>
    private sealed class Fetch(ImageServerClient client, Uri imageUri, ImageStaging staging, Func<int, bool>? wanted, IProgress<long>? bytes)
    {
        private readonly ImageManifest _manifest = staging.Manifest;
        private long _stored;
        private long _lastCheckpoint = Environment.TickCount64;

        public bool IsNeeded(int block) => !staging.Has(block) && (wanted?.Invoke(block) ?? true);

        /// <summary>Fetches a planned run, resuming after the last stored block on transient failures; false when the server ignored Range.</summary>
        public Task<bool> RangeWithRetriesAsync((int FirstBlock, int Count) request, CancellationToken cancellationToken)
        {
            var end = request.FirstBlock + request.Count;
            var first = request.FirstBlock;
            // Blocks stored by an earlier attempt (or by multicast meanwhile) are not asked for again.
            int FirstNeeded()
            {
                var block = first;
                while (block < end && !IsNeeded(block)) block++;
                return block;
            }
            return client.WithRetriesAsync(imageUri, madeProgress: () => FirstNeeded() > first, async token =>
            {
                first = FirstNeeded();
                var last = end;
                while (last > first && !IsNeeded(last - 1)) last--;
                if (first == last) return true;
                return await RangeAsync(first, last - first, token).ConfigureAwait(false);
            }, cancellationToken);
        }

        private async Task<bool> RangeAsync(int firstBlock, int count, CancellationToken cancellationToken)
        {
            var from = _manifest.BlockOffset(firstBlock);
            var to = _manifest.BlockOffset(firstBlock + count - 1) + _manifest.BlockLength(firstBlock + count - 1) - 1;
            using var idle = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            idle.CancelAfter(client.IdleTimeout);
            using var response = await client.SendAsync(imageUri, new RangeHeaderValue(from, to), idle.Token).ConfigureAwait(false);
            ThrowUnlessSuccess(response, imageUri);
            var ranged = response.StatusCode == HttpStatusCode.PartialContent;
            var total = ranged ? response.Content.Headers.ContentRange?.Length : response.Content.Headers.ContentLength;
            if (total is { } length && length != _manifest.Size) throw SizeMismatch(length);
            if (ranged && (response.Content.Headers.ContentRange is not { From: var f, To: var t } || f != from || t != to))
                throw new ImageServerException(ImageServerException.BadResponse, PeerErrorKind.ConnectionError,
                    $"The server of '{imageUri}' answered bytes {response.Content.Headers.ContentRange} to a request for {from}-{to}.", target: imageUri);

            await using var body = await response.Content.ReadAsStreamAsync(idle.Token).ConfigureAwait(false);
            var buffer = ArrayPool<byte>.Shared.Rent(_manifest.BlockSize);
            try
            {
                // A 200 carries the whole image: walk it from block 0 and keep only what is needed, up to the last of it.
                var lastNeeded = ranged ? firstBlock + count - 1 : LastNeededBlock();
                for (var block = ranged ? firstBlock : 0; block <= lastNeeded; block++)
                {
                    var data = buffer.AsMemory(0, _manifest.BlockLength(block));
                    idle.CancelAfter(client.IdleTimeout);
                    await body.ReadExactlyAsync(data, idle.Token).ConfigureAwait(false);
                    if (ranged || IsNeeded(block)) Store(block, data.Span);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return ranged;
        }

        private int LastNeededBlock()
        {
            for (var block = _manifest.BlockCount - 1; block >= 0; block--)
                if (IsNeeded(block)) return block;
            return -1;
        }

        private void Store(int block, ReadOnlySpan<byte> data)
        {
            if (!staging.TryStoreBlock(block, data))
                throw new ImageServerException(ImageServerException.BlockCorrupt, PeerErrorKind.InvalidData,
                    $"Block {block} from '{imageUri}' does not match the manifest: the server holds another image than the manifest describes. The block was not stored.", target: imageUri);
            bytes?.Report(Interlocked.Add(ref _stored, data.Length));
            var now = Environment.TickCount64;
            var last = Interlocked.Read(ref _lastCheckpoint);
            if (now - last >= client.CheckpointInterval.TotalMilliseconds && Interlocked.CompareExchange(ref _lastCheckpoint, now, last) == last)
                staging.Checkpoint();
        }

        private ImageServerException SizeMismatch(long serverSize) =>
            new(ImageServerException.SizeMismatch, PeerErrorKind.InvalidData,
                $"The server's '{imageUri}' is {serverSize} bytes; the manifest says {_manifest.Size}.", target: imageUri);
    }

    private async Task<HttpResponseMessage> SendAsync(Uri uri, RangeHeaderValue? range, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, uri);
        request.Headers.Range = range;
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>404 and other refusals are final; server errors and throttling are retried.</summary>
    private static void ThrowUnlessSuccess(HttpResponseMessage response, Uri uri)
    {
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode) return;
        if (response.StatusCode == HttpStatusCode.NotFound)
            throw new ImageServerException(ImageServerException.NotFound, PeerErrorKind.NotFound, $"The server has no '{uri}' (404).", target: uri);
        if (response.StatusCode == HttpStatusCode.RequestedRangeNotSatisfiable)
            throw new ImageServerException(ImageServerException.SizeMismatch, PeerErrorKind.InvalidData,
                $"The server's '{uri}' is shorter than the manifest says (416).", target: uri);
        if (status >= 500 || response.StatusCode is HttpStatusCode.RequestTimeout or HttpStatusCode.TooManyRequests)
            throw new TransientServerFailure($"The server answered {status} {response.ReasonPhrase} for '{uri}'.");
        throw new ImageServerException(ImageServerException.Refused, PeerErrorKind.ConnectionError,
            $"The server refused '{uri}': {status} {response.ReasonPhrase}.", target: uri);
    }

    /// <summary>
    /// Runs <paramref name="attempt"/> until it succeeds, retrying transient failures with doubling waits; a failure
    /// after progress (<paramref name="madeProgress"/>) starts the count again. Too many in a row: ImageServerUnreachable.
    /// </summary>
    private async Task<T> WithRetriesAsync<T>(Uri uri, Func<bool>? madeProgress, Func<CancellationToken, Task<T>> attempt, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (true)
        {
            try
            {
                return await attempt(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsTransient(e, cancellationToken))
            {
                failures = madeProgress?.Invoke() == true ? 1 : failures + 1;
                if (failures >= MaxAttempts)
                    throw new ImageServerException(ImageServerException.Unreachable, PeerErrorKind.ConnectionError,
                        $"The image server for '{uri}' failed {failures} times in a row: {e.Message}", e, uri);
                var wait = InitialBackoff * Math.Pow(2, failures - 1);
                await Task.Delay(wait < TimeSpan.FromSeconds(30) ? wait : TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    // A timeout of our own (idle body) is transient; the caller's cancellation is not.
    private static bool IsTransient(Exception e, CancellationToken cancellationToken) =>
        e is HttpRequestException or IOException or TransientServerFailure
        || e is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    private sealed class TransientServerFailure(string message) : Exception(message);

    public void Dispose() => _http.Dispose();
}
