using System.Management.Automation.Host;

namespace PeerStorage.Shell.Host;

/// <summary>
/// Screen geometry and keys. The formatter sizes tables from BufferSize, so it reports the real window width
/// on a terminal and 120 columns otherwise; the buffer-cell operations a full-screen host needs are not offered.
/// </summary>
internal sealed class ShellRawUserInterface(Terminal terminal) : PSHostRawUserInterface
{
    private const string NotSupported = "peerstorage-shell is a line-oriented host: screen buffer access is not supported.";

    public override ConsoleColor ForegroundColor { get; set; } = ConsoleColor.Gray;

    public override ConsoleColor BackgroundColor { get; set; } = ConsoleColor.Black;

    public override Size BufferSize
    {
        get => new(terminal.Width, 9001);
        set { }
    }

    public override Size WindowSize
    {
        get => new(terminal.Width, terminal.Height);
        set { }
    }

    public override Size MaxWindowSize => WindowSize;

    public override Size MaxPhysicalWindowSize => WindowSize;

    public override Coordinates CursorPosition
    {
        get
        {
            if (!terminal.OutputIsTerminal)
            {
                return new Coordinates(0, 0);
            }

            try
            {
                var (left, top) = Console.GetCursorPosition();
                return new Coordinates(left, top);
            }
            catch (IOException)
            {
                return new Coordinates(0, 0);
            }
        }
        set { }
    }

    public override Coordinates WindowPosition
    {
        get => new(0, 0);
        set { }
    }

    public override int CursorSize { get; set; } = 25;

    public override string WindowTitle { get; set; } = "peerstorage-shell";

    public override bool KeyAvailable => terminal.InputIsTerminal && Console.KeyAvailable;

    public override KeyInfo ReadKey(ReadKeyOptions options)
    {
        if (!terminal.InputIsTerminal)
        {
            throw NoInteractiveInput.For("read a key", "Run the script without commands that wait for a key press.");
        }

        var key = Console.ReadKey(intercept: (options & ReadKeyOptions.NoEcho) != 0);
        return new KeyInfo((int)key.Key, key.KeyChar, ControlKeys(key.Modifiers), keyDown: true);
    }

    public override void FlushInputBuffer()
    {
        while (terminal.InputIsTerminal && Console.KeyAvailable)
        {
            Console.ReadKey(intercept: true);
        }
    }

    public override BufferCell[,] GetBufferContents(Rectangle rectangle) => throw new NotSupportedException(NotSupported);

    public override void ScrollBufferContents(Rectangle source, Coordinates destination, Rectangle clip, BufferCell fill) =>
        throw new NotSupportedException(NotSupported);

    public override void SetBufferContents(Coordinates origin, BufferCell[,] contents) => throw new NotSupportedException(NotSupported);

    public override void SetBufferContents(Rectangle rectangle, BufferCell fill) => throw new NotSupportedException(NotSupported);

    private static ControlKeyStates ControlKeys(ConsoleModifiers modifiers)
    {
        ControlKeyStates states = 0;
        if ((modifiers & ConsoleModifiers.Shift) != 0)
        {
            states |= ControlKeyStates.ShiftPressed;
        }

        if ((modifiers & ConsoleModifiers.Control) != 0)
        {
            states |= ControlKeyStates.LeftCtrlPressed;
        }

        if ((modifiers & ConsoleModifiers.Alt) != 0)
        {
            states |= ControlKeyStates.LeftAltPressed;
        }

        return states;
    }
}
