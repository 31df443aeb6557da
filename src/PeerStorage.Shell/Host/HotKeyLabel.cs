namespace PeerStorage.Shell.Host;

/// <summary>A choice label such as "&amp;Yes to All": the text without the ampersand and its hot key ("A").</summary>
internal readonly record struct HotKeyLabel(string Key, string Text)
{
    public static HotKeyLabel Parse(string label)
    {
        var amp = label.IndexOf('&');
        if (amp >= 0 && amp + 1 < label.Length)
        {
            var text = label.Remove(amp, 1);
            return new HotKeyLabel(char.ToUpperInvariant(label[amp + 1]).ToString(), text);
        }

        var plain = label.Length > 0 ? char.ToUpperInvariant(label[0]).ToString() : "?";
        return new HotKeyLabel(plain, label);
    }
}
