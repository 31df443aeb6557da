using System.Globalization;
using System.Management.Automation;
using System.Text;

namespace PeerStorage.Shell.Commands;

/// <summary>Get-Date as in pwsh's Utility module: a DateTime (with DisplayHint), or a string with -Format/-UFormat.</summary>
[Cmdlet(VerbsCommon.Get, "Date", DefaultParameterSetName = DateSet)]
[OutputType(typeof(DateTime), typeof(string))]
public sealed class GetDateCommand : PSCmdlet
{
    private const string DateSet = "DateAndFormat";
    private const string DateUFormatSet = "DateAndUFormat";
    private const string UnixSet = "UnixTimeSecondsAndFormat";
    private const string UnixUFormatSet = "UnixTimeSecondsAndUFormat";

    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DateSet)]
    [Parameter(Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true, ParameterSetName = DateUFormatSet)]
    [Alias("LastWriteTime")]
    public DateTime? Date { get; set; }

    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UnixSet)]
    [Parameter(Mandatory = true, ValueFromPipelineByPropertyName = true, ParameterSetName = UnixUFormatSet)]
    [Alias("UnixTime")]
    public long UnixTimeSeconds { get; set; }

    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(1, 9999)] public int? Year { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(1, 12)] public int? Month { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(1, 31)] public int? Day { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(0, 23)] public int? Hour { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(0, 59)] public int? Minute { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(0, 59)] public int? Second { get; set; }
    [Parameter(ValueFromPipelineByPropertyName = true)][ValidateRange(0, 999)] public int? Millisecond { get; set; }

    [Parameter]
    public DisplayHintType DisplayHint { get; set; } = DisplayHintType.DateTime;

    [Parameter(ParameterSetName = DateSet)]
    [Parameter(ParameterSetName = UnixSet)]
    public string? Format { get; set; }

    [Parameter(Mandatory = true, ParameterSetName = DateUFormatSet)]
    [Parameter(Mandatory = true, ParameterSetName = UnixUFormatSet)]
    public string? UFormat { get; set; }

    [Parameter]
    public SwitchParameter AsUTC { get; set; }

    protected override void ProcessRecord()
    {
        var date = ParameterSetName is UnixSet or UnixUFormatSet
            ? DateTimeOffset.FromUnixTimeSeconds(UnixTimeSeconds).LocalDateTime
            : Date ?? DateTime.Now;

        if (Year is { } year) date = date.AddYears(year - date.Year);
        if (Month is { } month) date = date.AddMonths(month - date.Month);
        if (Day is { } day) date = date.AddDays(Math.Min(day, DateTime.DaysInMonth(date.Year, date.Month)) - date.Day);
        if (Hour is { } hour) date = date.AddHours(hour - date.Hour);
        if (Minute is { } minute) date = date.AddMinutes(minute - date.Minute);
        if (Second is { } second) date = date.AddSeconds(second - date.Second);
        if (Millisecond is { } ms) date = date.AddMilliseconds(ms - date.Millisecond);
        if (AsUTC.IsPresent) date = date.ToUniversalTime();

        if (UFormat is not null)
        {
            WriteObject(FormatUnix(date, UFormat));
            return;
        }

        if (Format is not null)
        {
            WriteObject(Format.Equals("FileDateTime", StringComparison.OrdinalIgnoreCase) ? date.ToString("yyyyMMdd'T'HHmmssffff", CultureInfo.InvariantCulture)
                : Format.Equals("FileDateTimeUniversal", StringComparison.OrdinalIgnoreCase) ? date.ToUniversalTime().ToString("yyyyMMdd'T'HHmmssffff'Z'", CultureInfo.InvariantCulture)
                : Format.Equals("FileDate", StringComparison.OrdinalIgnoreCase) ? date.ToString("yyyyMMdd", CultureInfo.InvariantCulture)
                : Format.Equals("FileDateUniversal", StringComparison.OrdinalIgnoreCase) ? date.ToUniversalTime().ToString("yyyyMMdd'Z'", CultureInfo.InvariantCulture)
                : date.ToString(Format, CultureInfo.CurrentCulture));
            return;
        }

        var result = new PSObject(date);
        result.Properties.Add(new PSNoteProperty("DisplayHint", DisplayHint));
        WriteObject(result);
    }

    // The strftime-like specifiers pwsh's -UFormat knows (the common subset).
    private static string FormatUnix(DateTime date, string format)
    {
        var culture = CultureInfo.CurrentCulture;
        var text = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i == format.Length - 1)
            {
                text.Append(format[i]);
                continue;
            }

            var spec = format[++i];
            text.Append(spec switch
            {
                'A' => date.ToString("dddd", culture),
                'a' => date.ToString("ddd", culture),
                'B' => date.ToString("MMMM", culture),
                'b' or 'h' => date.ToString("MMM", culture),
                'C' => (date.Year / 100).ToString("00", CultureInfo.InvariantCulture),
                'c' => date.ToString("ddd MMM dd HH:mm:ss yyyy", culture),
                'D' => date.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
                'd' => date.ToString("dd", CultureInfo.InvariantCulture),
                'e' => date.Day.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'F' => date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                'H' => date.ToString("HH", CultureInfo.InvariantCulture),
                'I' => date.ToString("hh", CultureInfo.InvariantCulture),
                'j' => date.DayOfYear.ToString("000", CultureInfo.InvariantCulture),
                'k' => date.Hour.ToString(CultureInfo.InvariantCulture).PadLeft(2),
                'l' => date.ToString("%h", CultureInfo.InvariantCulture).PadLeft(2),
                'M' => date.ToString("mm", CultureInfo.InvariantCulture),
                'm' => date.ToString("MM", CultureInfo.InvariantCulture),
                'n' => "\n",
                'p' => date.ToString("tt", CultureInfo.InvariantCulture),
                'R' => date.ToString("HH:mm", CultureInfo.InvariantCulture),
                'r' => date.ToString("hh:mm:ss tt", CultureInfo.InvariantCulture),
                'S' => date.ToString("ss", CultureInfo.InvariantCulture),
                's' => ((long)(date.ToUniversalTime() - DateTime.UnixEpoch).TotalSeconds).ToString(CultureInfo.InvariantCulture),
                'T' or 'X' => date.ToString("HH:mm:ss", CultureInfo.InvariantCulture),
                't' => "\t",
                'u' => (((int)date.DayOfWeek + 6) % 7 + 1).ToString(CultureInfo.InvariantCulture),
                'w' => ((int)date.DayOfWeek).ToString(CultureInfo.InvariantCulture),
                'x' => date.ToString("MM/dd/yy", CultureInfo.InvariantCulture),
                'Y' => date.ToString("yyyy", CultureInfo.InvariantCulture),
                'y' => date.ToString("yy", CultureInfo.InvariantCulture),
                'Z' => date.ToString("zz", CultureInfo.InvariantCulture),
                'z' => date.ToString("zzz", CultureInfo.InvariantCulture).Replace(":", "", StringComparison.Ordinal),
                '%' => "%",
                _ => "%" + spec,
            });
        }

        return text.ToString();
    }
}

/// <summary>What the DateTime's default view shows (pwsh's Microsoft.PowerShell.Commands.DisplayHintType).</summary>
public enum DisplayHintType
{
    Date,
    Time,
    DateTime,
}
