using System.Text;

namespace PeerStorage.Network.Tests.Mdns;

/// <summary>
/// A resolved line of "avahi-browse -p" output:
/// =;interface;protocol;instance;type;domain;host;address;port;"txt" "txt"…, with names escaped as \DDD.
/// </summary>
internal sealed record AvahiBrowseLine(string Interface, string Protocol, string Instance, string ServiceType, string Host,
    string Address, int Port, IReadOnlyList<string> Txt)
{
    public static IEnumerable<AvahiBrowseLine> ParseResolved(string output)
    {
        foreach (var line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var fields = line.Split(';');
            if (fields.Length < 10 || fields[0] != "=") continue;
            yield return new AvahiBrowseLine(fields[1], fields[2], Unescape(fields[3]), fields[4], fields[6], fields[7],
                int.Parse(fields[8]), ParseTxt(string.Join(';', fields.Skip(9))));
        }
    }

    /// <summary>avahi writes a name's unusual bytes as a backslash and three decimal digits.</summary>
    private static string Unescape(string text)
    {
        var bytes = new List<byte>();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\\' && i + 3 < text.Length && int.TryParse(text.AsSpan(i + 1, 3), out var code))
            {
                bytes.Add((byte)code);
                i += 3;
            }
            else bytes.AddRange(Encoding.UTF8.GetBytes(text[i].ToString()));
        }
        return Encoding.UTF8.GetString(bytes.ToArray());
    }

    private static List<string> ParseTxt(string text)
    {
        var items = new List<string>();
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '"')
            {
                if (quoted) items.Add(current.ToString());
                current.Clear();
                quoted = !quoted;
            }
            else if (quoted) current.Append(c);
        }
        return items;
    }
}
