using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace PeerStorage.Core.Leasing;

/// <summary>
/// How a holder encrypts its objects before they leave: the host stores and returns ciphertext only. The lease's
/// keys (one for data, one for names, one for name lookups) derive from two halves: the owner key, kept in the
/// holder's state database and never sent, and the host's key share, fetched from the host for each use and never
/// stored by the holder. When the lease ends the host destroys its share: whatever is left of the lease on its
/// carrier is then unreadable by anyone, the holder included, even if the owner key leaks later.
/// </summary>
/// <remarks>
/// Object layout: a 16-byte header (magic "PSLO", version 1, reserved, 8-byte random nonce prefix), then chunks of
/// up to 1 MiB plaintext, each AES-256-GCM ciphertext + 16-byte tag. Chunk i uses nonce = prefix || i (big-endian),
/// and its associated data binds the object's name key, i and whether it is the last chunk, so chunks cannot be
/// reordered, moved to another object or cut off. An empty object is one empty final chunk.
/// Names: the host sees an HMAC of the name (to find it) and the name sealed with AES-GCM (to list it back).
/// </remarks>
public sealed class LeaseObjectCipher : IDisposable
{
    public const int OwnerKeyBytes = 32;
    public const int KeyShareBytes = 32;
    public const int ChunkSize = 1024 * 1024;
    public const int HeaderSize = 16;
    public const int TagSize = 16;
    private static readonly byte[] Magic = "PSLO"u8.ToArray();
    private const byte Version = 1;

    private readonly AesGcm _data;
    private readonly AesGcm _names;
    private readonly byte[] _nameMacKey;

    public LeaseObjectCipher(byte[] ownerKey, byte[] keyShare)
    {
        if (ownerKey.Length != OwnerKeyBytes) throw new ArgumentException($"An owner key has {OwnerKeyBytes} bytes.", nameof(ownerKey));
        if (keyShare.Length != KeyShareBytes) throw new ArgumentException($"A host key share has {KeyShareBytes} bytes.", nameof(keyShare));
        _data = new AesGcm(Derive(ownerKey, keyShare, "peerstorage lease data"), TagSize);
        _names = new AesGcm(Derive(ownerKey, keyShare, "peerstorage lease names"), TagSize);
        _nameMacKey = Derive(ownerKey, keyShare, "peerstorage lease name index");
    }

    public static byte[] NewOwnerKey() => RandomNumberGenerator.GetBytes(OwnerKeyBytes);

    private static byte[] Derive(byte[] ownerKey, byte[] keyShare, string purpose) =>
        HKDF.DeriveKey(HashAlgorithmName.SHA256, ownerKey, 32, salt: keyShare, info: Encoding.UTF8.GetBytes(purpose));

    /// <summary>Bytes an object of <paramref name="length"/> plaintext bytes takes on the host.</summary>
    public static long StoredLength(long length) => HeaderSize + Math.Max(1, (length + ChunkSize - 1) / ChunkSize) * TagSize + length;

    /// <summary>Plaintext length of an object stored in <paramref name="storedLength"/> bytes.</summary>
    public static long PlainLength(long storedLength)
    {
        var body = storedLength - HeaderSize;
        var chunks = Math.Max(1, (body + ChunkSize + TagSize - 1) / (ChunkSize + TagSize));
        return body - chunks * TagSize;
    }

    /// <summary>The host's handle on a name: a keyed hash, so the host learns nothing from it.</summary>
    public string NameKey(string name) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_nameMacKey, Encoding.UTF8.GetBytes(name)));

    public string SealName(string name)
    {
        var plain = Encoding.UTF8.GetBytes(name);
        var sealedName = new byte[12 + plain.Length + TagSize];
        RandomNumberGenerator.Fill(sealedName.AsSpan(0, 12));
        _names.Encrypt(sealedName.AsSpan(0, 12), plain, sealedName.AsSpan(12, plain.Length), sealedName.AsSpan(12 + plain.Length));
        return Convert.ToBase64String(sealedName);
    }

    /// <summary>The name a sealed name holds, or null when it was not sealed with this lease's key (or was altered).</summary>
    public string? OpenName(string sealedName)
    {
        try
        {
            var bytes = Convert.FromBase64String(sealedName);
            if (bytes.Length < 12 + TagSize) return null;
            var plain = new byte[bytes.Length - 12 - TagSize];
            _names.Decrypt(bytes.AsSpan(0, 12), bytes.AsSpan(12, plain.Length), bytes.AsSpan(12 + plain.Length), plain);
            return Encoding.UTF8.GetString(plain);
        }
        catch (Exception e) when (e is FormatException or AuthenticationTagMismatchException)
        {
            return null;
        }
    }

    /// <summary>Encrypts <paramref name="source"/> onto <paramref name="destination"/>, reporting plaintext bytes done.</summary>
    public async Task EncryptAsync(Stream source, long length, string nameKey, Stream destination, Action<long>? progress, CancellationToken cancellationToken)
    {
        var header = new byte[HeaderSize];
        Magic.CopyTo(header, 0);
        header[4] = Version;
        RandomNumberGenerator.Fill(header.AsSpan(8, 8));
        await destination.WriteAsync(header, cancellationToken).ConfigureAwait(false);
        // Two sealed buffers: the next chunk is read and encrypted while the previous one is on its way.
        var plain = new byte[ChunkSize];
        byte[][] sealedChunks = [new byte[ChunkSize + TagSize], new byte[ChunkSize + TagSize]];
        var sending = Task.CompletedTask;
        long done = 0;
        var index = 0u;
        try
        {
            do
            {
                var take = (int)Math.Min(ChunkSize, length - done);
                await source.ReadExactlyAsync(plain.AsMemory(0, take), cancellationToken).ConfigureAwait(false);
                var last = done + take == length;
                var sealedChunk = sealedChunks[index & 1];
                _data.Encrypt(Nonce(header, index), plain.AsSpan(0, take), sealedChunk.AsSpan(0, take), sealedChunk.AsSpan(take, TagSize), Associated(nameKey, index, last));
                await sending.ConfigureAwait(false);
                // On a worker: a socket write completes inline while the socket has room, which would run the
                // sending end's work (its frame tag, the kernel's copy) in this loop instead of beside it.
                sending = Task.Run(() => destination.WriteAsync(sealedChunk.AsMemory(0, take + TagSize), cancellationToken).AsTask(), CancellationToken.None);
                done += take;
                index++;
                progress?.Invoke(done);
            } while (done < length);
            await sending.ConfigureAwait(false);
        }
        finally
        {
            // A failure before the last send: wait for the one in flight, so its buffer is not reused under it.
            await sending.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    /// <summary>
    /// Decrypts an object of <paramref name="storedLength"/> bytes read from <paramref name="source"/> onto
    /// <paramref name="destination"/>. Tampered, truncated or foreign data throws LeaseObjectTampered before the
    /// chunk it is in reaches the destination.
    /// </summary>
    public async Task DecryptAsync(Stream source, long storedLength, string nameKey, Stream destination, Action<long>? progress, CancellationToken cancellationToken)
    {
        var length = PlainLength(storedLength);
        if (length < 0) throw LeaseErrors.Tampered(nameKey, "its length is impossible");
        var header = new byte[HeaderSize];
        await source.ReadExactlyAsync(header, cancellationToken).ConfigureAwait(false);
        if (!header.AsSpan(0, 4).SequenceEqual(Magic) || header[4] != Version) throw LeaseErrors.Tampered(nameKey, "its header is not ours");
        var plain = new byte[ChunkSize];
        var sealedChunk = new byte[ChunkSize + TagSize];
        long done = 0;
        var index = 0u;
        do
        {
            var take = (int)Math.Min(ChunkSize, length - done);
            await source.ReadExactlyAsync(sealedChunk.AsMemory(0, take + TagSize), cancellationToken).ConfigureAwait(false);
            var last = done + take == length;
            try
            {
                _data.Decrypt(Nonce(header, index), sealedChunk.AsSpan(0, take), sealedChunk.AsSpan(take, TagSize), plain.AsSpan(0, take), Associated(nameKey, index, last));
            }
            catch (AuthenticationTagMismatchException)
            {
                throw LeaseErrors.Tampered(nameKey, $"chunk {index} fails its authentication tag");
            }
            await destination.WriteAsync(plain.AsMemory(0, take), cancellationToken).ConfigureAwait(false);
            done += take;
            index++;
            progress?.Invoke(done);
        } while (done < length);
    }

    private static byte[] Nonce(byte[] header, uint index)
    {
        var nonce = new byte[12];
        header.AsSpan(8, 8).CopyTo(nonce);
        BinaryPrimitives.WriteUInt32BigEndian(nonce.AsSpan(8), index);
        return nonce;
    }

    private static byte[] Associated(string nameKey, uint index, bool last)
    {
        var key = Encoding.ASCII.GetBytes(nameKey);
        var associated = new byte[key.Length + 5];
        key.CopyTo(associated, 0);
        BinaryPrimitives.WriteUInt32BigEndian(associated.AsSpan(key.Length), index);
        associated[^1] = last ? (byte)1 : (byte)0;
        return associated;
    }

    public void Dispose()
    {
        _data.Dispose();
        _names.Dispose();
        CryptographicOperations.ZeroMemory(_nameMacKey);
    }
}
