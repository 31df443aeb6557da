using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Multicast.Protocol;

/// <summary>What an announcer is doing with the image.</summary>
internal enum AnnouncerState : byte
{
    /// <summary>Fetching the image from the server; receivers that ask now get it once that is done.</summary>
    Downloading = 1,
    /// <summary>Holding the whole image and multicasting it to whoever asks.</summary>
    Sending = 2,
}

/// <summary>
/// "I am downloading (or sending) this image": repeated by the announcer a few times a second, signed by its node key.
/// The certificate travels in every announcement, so a receiver needs nothing beforehand but its trust policy, and the
/// timestamp plus a sequence that only grows stop a replayed announcement from keeping a dead announcer alive.
/// </summary>
internal sealed record Announcement
{
    public const int MaxClockSkewMinutes = 5;

    public required byte[] ImageHash { get; init; }
    public required byte[] MerkleRoot { get; init; }
    public required long Size { get; init; }
    public required int BlockSize { get; init; }
    public required uint SessionId { get; init; }
    public required AnnouncerState State { get; init; }
    public required ushort DataPort { get; init; }
    public required ushort SymbolSize { get; init; }
    public required long TimestampMs { get; init; }
    public required uint Sequence { get; init; }
    /// <summary>Blocks the announcer holds verified (its download's progress).</summary>
    public required int BlocksHeld { get; init; }
    public required byte[] Certificate { get; init; }

    public byte[] Sign(ECDsa key)
    {
        var buffer = new byte[1472];
        var w = new WireWriter(buffer);
        w.Header(PacketType.Announce);
        w.Bytes(ImageHash);
        w.Bytes(MerkleRoot);
        w.I64(Size);
        w.I32(BlockSize);
        w.U32(SessionId);
        w.U8((byte)State);
        w.U16(DataPort);
        w.U16(SymbolSize);
        w.I64(TimestampMs);
        w.U32(Sequence);
        w.I32(BlocksHeld);
        w.Blob(Certificate);
        var signature = key.SignData(w.Written, HashAlgorithmName.SHA256);
        w.Blob(signature);
        return w.Written.ToArray();
    }

    /// <summary>
    /// Parses and checks the signature against the certificate carried inside. The caller still decides whether it
    /// trusts that certificate's node. False for anything malformed or badly signed.
    /// </summary>
    public static bool TryParseSigned(ReadOnlySpan<byte> packet, out Announcement announcement, out X509Certificate2? certificate)
    {
        announcement = null!;
        certificate = null;
        if (!PacketHeader.TryRead(packet, out var type) || type != PacketType.Announce) return false;
        var r = new WireReader(packet);
        var hash = r.Bytes(32);
        var root = r.Bytes(32);
        var size = r.I64();
        var blockSize = r.I32();
        var session = r.U32();
        var state = (AnnouncerState)r.U8();
        var dataPort = r.U16();
        var symbolSize = r.U16();
        var timestamp = r.I64();
        var sequence = r.U32();
        var held = r.I32();
        var der = r.Blob();
        var signed = r.Consumed.Length;
        var signature = r.Blob();
        if (!r.Ok || r.Remaining != 0 || size <= 0 || blockSize <= 0 || symbolSize == 0
            || !Enum.IsDefined(state) || dataPort == 0) return false;
        try
        {
            var cert = X509CertificateLoader.LoadCertificate(der);
            using var key = cert.GetECDsaPublicKey();
            if (key is null || !key.VerifyData(packet[..signed], signature, HashAlgorithmName.SHA256))
            {
                cert.Dispose();
                return false;
            }
            certificate = cert;
        }
        catch (CryptographicException)
        {
            return false;
        }
        announcement = new Announcement
        {
            ImageHash = hash, MerkleRoot = root, Size = size, BlockSize = blockSize, SessionId = session, State = state,
            DataPort = dataPort, SymbolSize = symbolSize, TimestampMs = timestamp, Sequence = sequence, BlocksHeld = held,
            Certificate = der,
        };
        return true;
    }

    public NodeId SenderId(X509Certificate2 certificate) => NodeId.FromPublicKey(certificate.PublicKey.ExportSubjectPublicKeyInfo());

    public bool IsFresh(DateTimeOffset now) =>
        Math.Abs(now.ToUnixTimeMilliseconds() - TimestampMs) <= MaxClockSkewMinutes * 60_000L;
}
