using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using PeerStorage.Core.Multicast.Protocol;
using PeerStorage.Core.Node;

namespace PeerStorage.Core.Tests.Multicast;

public sealed class ProtocolTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly NodeIdentity _identity;

    public ProtocolTests() => _identity = NodeIdentity.Create(_dir.Combine("id"), "announcer");

    public void Dispose()
    {
        _identity.Dispose();
        _dir.Dispose();
    }

    private Announcement Sample(uint sequence = 7) => new()
    {
        ImageHash = RandomNumberGenerator.GetBytes(32), MerkleRoot = RandomNumberGenerator.GetBytes(32), Size = 123456789,
        BlockSize = 65536, SessionId = 0xA1B2C3D4, State = AnnouncerState.Sending, DataPort = 47701, SymbolSize = 1408,
        TimestampMs = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(), Sequence = sequence, BlocksHeld = 42,
        Certificate = _identity.Certificate.RawData,
    };

    [Fact]
    public void A_signed_announcement_parses_back_and_names_its_node()
    {
        var sent = Sample();
        var packet = sent.Sign(_identity.Key);
        Assert.True(packet.Length <= 1472, $"{packet.Length} bytes do not fit one datagram");
        Assert.True(Announcement.TryParseSigned(packet, out var got, out var certificate));
        using (certificate)
        {
            Assert.Equal(sent.ImageHash, got.ImageHash);
            Assert.Equal(sent.MerkleRoot, got.MerkleRoot);
            Assert.Equal((sent.Size, sent.SessionId, sent.State, sent.BlocksHeld, sent.Sequence), (got.Size, got.SessionId, got.State, got.BlocksHeld, got.Sequence));
            Assert.Equal(_identity.NodeId, got.SenderId(certificate!));
        }
    }

    [Fact]
    public void Any_changed_byte_breaks_an_announcement()
    {
        var packet = Sample().Sign(_identity.Key);
        for (var i = PacketHeader.Length; i < packet.Length; i += 7)
        {
            var forged = (byte[])packet.Clone();
            forged[i] ^= 0x20;
            Assert.False(Announcement.TryParseSigned(forged, out _, out var certificate), $"byte {i} changed and the announcement still passed");
            certificate?.Dispose();
        }
        Assert.False(Announcement.TryParseSigned(packet.AsSpan(0, packet.Length - 1), out _, out _));
    }

    [Fact]
    public void An_announcement_signed_by_another_key_than_its_certificate_is_refused()
    {
        using var other = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(Announcement.TryParseSigned(Sample().Sign(other), out _, out _));
    }

    [Fact]
    public void Status_nak_pass_end_and_data_headers_round_trip()
    {
        var status = new ReceiverStatus
        {
            SessionId = 9, ImageHash = new byte[32], ReceiverId = RandomNumberGenerator.GetBytes(32), State = ReceiverState.Receiving,
            VerifiedBlocks = 10, BlockCount = 20, LossPermille = 55, Expected = 1000, BytesPerSecond = 123, HighestSequence = 4242,
        };
        Assert.True(ReceiverStatus.TryParse(status.ToBytes(), out var s));
        Assert.Equal((status.VerifiedBlocks, status.LossPermille, status.State, status.HighestSequence), (s.VerifiedBlocks, s.LossPermille, s.State, s.HighestSequence));

        var nak = new Nak { SessionId = 9, ReceiverKey = 0xFEEDFACE, SeenSequence = 77, Runs = [new NakRun(3, 1, 2), new NakRun(100, 500, 47)] };
        Assert.True(Nak.TryParse(nak.ToBytes(), out var n));
        Assert.Equal(nak.Runs, n.Runs);
        Assert.Equal(nak.ReceiverKey, n.ReceiverKey);

        Assert.True(PassEnd.TryParse(new PassEnd(9, 3, 12345).ToBytes(), out var p));
        Assert.Equal(new PassEnd(9, 3, 12345), p);

        var buffer = new byte[DataPacket.LengthFor(1408)];
        new DataPacket { SessionId = 9, Sequence = 5, Window = 2, Block = 77, Symbol = 50, Pass = 1 }.WriteHeader(buffer);
        Assert.True(DataPacket.TryRead(buffer, 1408, out var d));
        Assert.Equal((9u, 5u, 2u, 77, (ushort)50), (d.SessionId, d.Sequence, d.Window, d.Block, d.Symbol));
        Assert.False(DataPacket.TryRead(buffer.AsSpan(1), 1408, out _));
    }

    [Fact]
    public void Signed_notices_verify_only_with_the_announcers_key()
    {
        var receiver = RandomNumberGenerator.GetBytes(32);
        var packet = new SignedNotice(PacketType.Evict, 9, receiver, 1).Sign(_identity.Key);
        using var announcerKey = _identity.Certificate.GetECDsaPublicKey()!;
        Assert.True(SignedNotice.TryParseSigned(packet, announcerKey, out var notice));
        Assert.Equal(receiver, notice.ReceiverId);
        using var stranger = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        Assert.False(SignedNotice.TryParseSigned(new SignedNotice(PacketType.Evict, 9, receiver, 1).Sign(stranger), announcerKey, out _));
    }

    [Fact]
    public void Random_garbage_never_parses_and_never_throws()
    {
        var random = new Random(5);
        using var key = _identity.Certificate.GetECDsaPublicKey()!;
        for (var i = 0; i < 20000; i++)
        {
            var packet = new byte[random.Next(0, 1500)];
            random.NextBytes(packet);
            if (packet.Length >= 4 && i % 2 == 0)
            {
                packet[0] = PacketHeader.Magic0; packet[1] = PacketHeader.Magic1; packet[2] = PacketHeader.Version; packet[3] = (byte)random.Next(1, 8);
            }
            Announcement.TryParseSigned(packet, out _, out var c);
            c?.Dispose();
            ReceiverStatus.TryParse(packet, out _);
            Nak.TryParse(packet, out _);
            PassEnd.TryParse(packet, out _);
            DataPacket.TryRead(packet, 1408, out _);
            SignedNotice.TryParseSigned(packet, key, out _);
        }
    }
}
