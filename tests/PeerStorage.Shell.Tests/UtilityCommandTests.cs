using System.Text.Json;
using System.Text.RegularExpressions;

namespace PeerStorage.Shell.Tests;

/// <summary>
/// The common Utility and Management cmdlets that admin scripts use work in the shell (the engine package has
/// none of them; the shell supplies them) and print what pwsh prints.
/// </summary>
public sealed class UtilityCommandTests
{
    [Fact]
    public void A_report_script_uses_dates_selection_tables_json_sleep_and_the_file_system()
    {
        using var dir = new TempDirectory();
        var data = dir.Combine("data");
        Directory.CreateDirectory(Path.Combine(data, "logs"));
        File.WriteAllText(Path.Combine(data, "alpha.txt"), "12345");
        File.WriteAllText(Path.Combine(data, "beta.txt"), "1234567890");
        File.WriteAllText(Path.Combine(data, "notes.md"), "x");
        File.WriteAllText(Path.Combine(data, "logs", "run.txt"), "abc");
        var script = dir.Script("report.ps1", $$"""
            param([string]$Root)
            $stamp = Get-Date -Year 2026 -Month 3 -Day 14 -Hour 9 -Minute 26 -Second 53
            "stamp=$(Get-Date -Date $stamp -Format 'yyyy-MM-dd HH:mm:ss')"
            "ufmt=$(Get-Date -Date $stamp -UFormat '%Y%m%d-%H%M')"
            "now-is-date=$((Get-Date) -is [datetime])"
            "exists=$(Test-Path $Root) leaf=$(Test-Path (Join-Path $Root 'alpha.txt') -PathType Leaf) missing=$(Test-Path (Join-Path $Root 'nope'))"
            "container-as-leaf=$(Test-Path $Root -PathType Leaf)"
            "txt=$((Get-ChildItem $Root -Filter *.txt | Select-Object -ExpandProperty Name) -join ',')"
            "recursive=$((Get-ChildItem $Root -Recurse -File -Name | Sort-Object) -join ',')"
            "dirs=$((Get-ChildItem -Path $Root -Directory).Name)"
            $watch = [Diagnostics.Stopwatch]::StartNew()
            Start-Sleep -Milliseconds 300
            "slept=$($watch.ElapsedMilliseconds -ge 250)"
            $files = Get-ChildItem $Root -File |
                Select-Object Name, @{ Name = 'Bytes'; Expression = { $_.Length } }, @{ n = 'Day'; e = { Get-Date -Date $stamp -Format 'yyyy-MM-dd' } }
            $files | Format-Table -AutoSize
            'JSON-START'
            $files | Select-Object -First 2 | ConvertTo-Json
            'JSON-END'
            """);

        var result = ShellProcess.Run("-NoModule", script, "-Root", data);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        var output = result.StdOut;
        Assert.Contains("stamp=2026-03-14 09:26:53", output);
        Assert.Contains("ufmt=20260314-0926", output);
        Assert.Contains("now-is-date=True", output);
        Assert.Contains("exists=True leaf=True missing=False", output);
        Assert.Contains("container-as-leaf=False", output);
        Assert.Contains("txt=alpha.txt,beta.txt", output);
        Assert.Contains($"recursive=alpha.txt,beta.txt,{Path.Combine("logs", "run.txt")},notes.md", output);
        Assert.Contains("dirs=logs", output);
        Assert.Contains("slept=True", output);

        // Format-Table: a header row, a rule, one row per file.
        Assert.Matches(new Regex(@"^Name\s+Bytes\s+Day\s*$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^----\s+-----\s+---\s*$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^alpha\.txt\s+5\s+2026-03-14\s*$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^beta\.txt\s+10\s+2026-03-14\s*$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^notes\.md\s+1\s+2026-03-14\s*$", RegexOptions.Multiline), output);

        // ConvertTo-Json: pwsh's indented layout, an array of the two selected objects.
        var json = Between(output, "JSON-START", "JSON-END");
        Assert.Contains("\"Name\": \"alpha.txt\"", json);
        using var parsed = JsonDocument.Parse(json);
        var items = parsed.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, items.Count);
        Assert.Equal("alpha.txt", items[0].GetProperty("Name").GetString());
        Assert.Equal(5, items[0].GetProperty("Bytes").GetInt64());
        Assert.Equal("2026-03-14", items[0].GetProperty("Day").GetString());
        Assert.Equal("beta.txt", items[1].GetProperty("Name").GetString());
        Assert.Equal(10, items[1].GetProperty("Bytes").GetInt64());
    }

    [Fact]
    public void Select_Measure_Format_List_and_Json_behave_as_in_pwsh()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            $rows = 1..5 | ForEach-Object { [pscustomobject]@{ Name = "n$_"; Size = $_ * 10; Tag = 'x' } }
            "first=$(($rows | Select-Object -First 2).Name -join ',') last=$(($rows | Select-Object -Last 2).Name -join ',')"
            "skip=$(($rows | Select-Object -Skip 3 -ExpandProperty Name) -join ',') index=$(($rows | Select-Object -Index 0, 4).Name -join ',')"
            "unique=$((1, 2, 2, 3, 3, 3 | Select-Object -Unique) -join ',')"
            "excluded=$(($rows[0] | Select-Object * -ExcludeProperty Tag).PSObject.Properties.Name -join ',')"
            "endless=$((1..2000000000 | Select-Object -First 3) -join ',')"
            $m = $rows | Measure-Object -Property Size -Sum -Average -Maximum -Minimum
            "count=$($m.Count) sum=$($m.Sum) avg=$($m.Average) max=$($m.Maximum) min=$($m.Minimum) prop=$($m.Property)"
            "plain-count=$((Get-ChildItem / | Measure-Object).Count -gt 0)"
            $rows[0] | Format-List Name, Size
            "json=$(@{ a = 1; b = @('x', 'y'); c = $true; d = $null } | ConvertTo-Json -Compress)"
            "deep=$(@{ a = @{ b = @{ c = @{ d = 1 } } } } | ConvertTo-Json -Compress -WarningAction SilentlyContinue)"
            "deeper=$(@{ a = @{ b = @{ c = @{ d = 1 } } } } | ConvertTo-Json -Compress -Depth 5)"
            "array=$(ConvertTo-Json -InputObject @(1) -Compress)"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        var output = result.StdOut;
        Assert.Contains("first=n1,n2 last=n4,n5", output);
        Assert.Contains("skip=n4,n5 index=n1,n5", output);
        Assert.Contains("unique=1,2,3", output);
        Assert.Contains("excluded=Name,Size" + Environment.NewLine, output);
        Assert.Contains("endless=1,2,3", output);
        Assert.Contains("count=5 sum=150 avg=30 max=50 min=10 prop=Size", output);
        Assert.Contains("plain-count=True", output);
        Assert.Matches(new Regex(@"^Name : n1\s*$", RegexOptions.Multiline), output);
        Assert.Matches(new Regex(@"^Size : 10\s*$", RegexOptions.Multiline), output);

        var json = Regex.Match(output, "^json=(.*)$", RegexOptions.Multiline).Groups[1].Value.Trim();
        using (var parsed = JsonDocument.Parse(json))
        {
            Assert.Equal(1, parsed.RootElement.GetProperty("a").GetInt32());
            Assert.Equal(["x", "y"], parsed.RootElement.GetProperty("b").EnumerateArray().Select(e => e.GetString()));
            Assert.True(parsed.RootElement.GetProperty("c").GetBoolean());
            Assert.Equal(JsonValueKind.Null, parsed.RootElement.GetProperty("d").ValueKind);
        }

        // Past -Depth (2 by default) an object is written as its string, as pwsh does.
        Assert.Contains("deep={\"a\":{\"b\":{\"c\":\"System.Collections.Hashtable\"}}}", output);
        Assert.Contains("deeper={\"a\":{\"b\":{\"c\":{\"d\":1}}}}", output);
        Assert.Contains("array=[1]", output);
    }

    [Fact]
    public void A_deploy_script_creates_copies_reads_and_removes_files_and_reads_a_json_config()
    {
        using var dir = new TempDirectory();
        var root = dir.Combine("deploy");
        var script = dir.Script("deploy.ps1", """
            param([string]$Root)
            New-Item -ItemType Directory -Path $Root | Out-Null
            Set-Location $Root
            "location=$((Get-Location).Path)"
            Set-Content -Path config.json -Value '{ "name": "lab", "port": 47620, "ratio": 0.5, "since": "2026-03-14T09:26:53Z", "tags": ["a", "b"], "tls": { "on": true } }'
            $config = Get-Content config.json -Raw | ConvertFrom-Json
            "config=$($config.name) $($config.port) $($config.port.GetType().Name) $($config.ratio) $($config.since.ToUniversalTime().ToString('yyyy-MM-dd HH:mm')) $($config.tags -join '+') $($config.tls.on)"
            "roundtrip=$($config.tls | ConvertTo-Json -Compress)"
            New-Item -Path . -Name notes.txt -ItemType File -Value 'first' | Out-Null
            Set-Content -Path log.txt -Value 'one', 'two'
            Add-Content -Path log.txt -Value 'three'
            "lines=$((Get-Content log.txt) -join ',') tail=$(Get-Content log.txt -Tail 1) head=$(Get-Content log.txt -TotalCount 1)"
            New-Item -ItemType Directory backup | Out-Null
            Copy-Item log.txt backup
            Move-Item notes.txt backup/notes.txt
            "tree=$((Get-ChildItem -Recurse -Name | Sort-Object) -join ',')"
            "size=$((Get-Item backup/log.txt).Length -gt 0)"
            Remove-Item log.txt -WhatIf
            "still-there=$(Test-Path log.txt)"
            Remove-Item backup -Recurse
            Remove-Item *.txt, *.json
            "left=$(@(Get-ChildItem).Count)"
            """);

        var result = ShellProcess.Run("-NoModule", script, "-Root", root);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        var output = result.StdOut;
        Assert.Contains($"location={root}", output);
        Assert.Contains("config=lab 47620 Int32 0.5 2026-03-14 09:26 a+b True", output);
        Assert.Contains("roundtrip={\"on\":true}", output);
        Assert.Contains("lines=one,two,three tail=three head=one", output);
        Assert.Contains(
            $"tree=backup,{Path.Combine("backup", "log.txt")},{Path.Combine("backup", "notes.txt")},config.json,log.txt",
            output);
        Assert.Contains("size=True", output);
        Assert.Contains($"What if: Performing the operation \"Remove Item\" on target \"{Path.Combine(root, "log.txt")}\".", output);
        Assert.Contains("still-there=True", output);
        Assert.Contains("left=0", output);
        Assert.Empty(Directory.EnumerateFileSystemEntries(root));
    }

    [Fact]
    public void The_cmdlets_are_real_commands_and_their_aliases_resolve()
    {
        var result = ShellProcess.Run("-NoModule", "-Command", """
            foreach ($name in 'Get-Date', 'Select-Object', 'Format-Table', 'Format-List', 'ConvertTo-Json', 'Start-Sleep',
                              'Measure-Object', 'Sort-Object', 'ConvertFrom-Json', 'Test-Path', 'Get-ChildItem', 'Join-Path',
                              'Get-Item', 'New-Item', 'Remove-Item', 'Copy-Item', 'Move-Item', 'Get-Content', 'Set-Content',
                              'Add-Content', 'Get-Location', 'Set-Location') {
                "$name=$((Get-Command $name -ErrorAction Stop).CommandType)"
            }
            # The engine's own aliases (on Linux pwsh leaves ls, sleep and sort to the system's programs).
            "aliases=$((Get-Command select, ft, fl, gci, dir, measure, cd, gc, gi, ni, del, copy, move -ErrorAction Stop).ResolvedCommandName -join ',')"
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        foreach (var name in new[] { "Get-Date", "Select-Object", "Format-Table", "Format-List", "ConvertTo-Json", "Start-Sleep", "Measure-Object", "Sort-Object", "ConvertFrom-Json",
                     "Test-Path", "Get-ChildItem", "Join-Path", "Get-Item", "New-Item", "Remove-Item", "Copy-Item", "Move-Item",
                     "Get-Content", "Set-Content", "Add-Content", "Get-Location", "Set-Location" })
        {
            Assert.Contains($"{name}=Cmdlet", result.StdOut);
        }

        Assert.Contains(
            "aliases=Select-Object,Format-Table,Format-List,Get-ChildItem,Get-ChildItem,Measure-Object," +
            "Set-Location,Get-Content,Get-Item,New-Item,Remove-Item,Copy-Item,Move-Item",
            result.StdOut);
    }

    [Fact]
    public void Get_ChildItem_on_a_missing_path_writes_pwshs_error_and_the_script_goes_on()
    {
        var missing = Path.Combine(Path.GetTempPath(), "peerstorage-shell-missing-" + Guid.NewGuid().ToString("n"));
        var result = ShellProcess.Run("-NoModule", "-Command", $"Get-ChildItem '{missing}'; 'after'");

        Assert.Contains("after", result.StdOut);
        Assert.Contains($"Cannot find path '{missing}' because it does not exist.", result.StdErr);
    }

    [Fact]
    public void The_module_objects_go_through_the_utility_cmdlets()
    {
        using var dir = new TempDirectory();
        var home = dir.Combine("node");

        var result = ShellProcess.Run("-Command", $"""
            Initialize-PeerNode -NodePath '{home}' -Name alpha -Port 0 | Out-Null
            Get-PeerNode -NodePath '{home}' | Select-Object Name, State | ConvertTo-Json -Compress
            Get-PeerNode -NodePath '{home}' | Format-List Name
            """);

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Equal(string.Empty, result.StdErr);
        Assert.Matches(new Regex("^\\{\"Name\":\"alpha\",\"State\":\\d+\\}\\s*$", RegexOptions.Multiline), result.StdOut);
        Assert.Matches(new Regex(@"^Name : alpha\s*$", RegexOptions.Multiline), result.StdOut);
    }

    private static string Between(string text, string start, string end)
    {
        var from = text.IndexOf(start, StringComparison.Ordinal) + start.Length;
        var to = text.IndexOf(end, from, StringComparison.Ordinal);
        Assert.True(from >= start.Length && to > from, text);
        return text[from..to];
    }
}
