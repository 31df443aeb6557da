<#
.SYNOPSIS
    A status report over several node homes: identity, state, and the runs of the last day that did not complete.
.DESCRIPTION
    Pipe node home paths (or Get-PeerNode objects) in, or pass them as arguments; without any, it reports the default
    node home ($env:PEERSTORAGE_HOME, else the per-user one). Each row says which node it describes, so the report can
    be sorted, exported to CSV or mailed. It lists what every process recorded in the node home: runs from sessions
    and from the agent alike. Runs with the bundled shell:
        dotnet run --project src/PeerStorage.Shell -- examples/NodeStatusReport.ps1 /srv/peer-a /srv/peer-b
.PARAMETER NodePath
    The node homes to report on.
.PARAMETER Window
    How far back to count runs (a day by default).
.EXAMPLE
    ./NodeStatusReport.ps1 -NodePath /srv/peer-a, /srv/peer-b | Export-Csv nodes.csv
.EXAMPLE
    Get-Content homes.txt | ./NodeStatusReport.ps1 -Window 7.00:00:00 | Where-Object NotCompleted
#>
[CmdletBinding(PositionalBinding = $false)]
param(
    [Parameter(Position = 0, ValueFromPipeline = $true, ValueFromPipelineByPropertyName = $true, ValueFromRemainingArguments = $true)]
    [string[]] $NodePath,
    [TimeSpan] $Window = [TimeSpan]::FromDays(1)
)

begin {
    $since = [DateTimeOffset]::UtcNow - $Window
}

process {
    # No path: one row for the default node home ('' here), which the cmdlets find on their own.
    $paths = if ($NodePath) { $NodePath } else { '' }
    foreach ($path in $paths) {
        $at = if ($path) { @{ NodePath = $path } } else { @{} }
        $node = Get-PeerNode @at -ErrorAction SilentlyContinue -ErrorVariable problem
        if (-not $node) {
            [pscustomobject]@{ NodeId = $null; Name = $null; NodePath = "$path"; State = 'Unavailable'; Runs = 0; NotCompleted = 0; LastProblem = "$($problem[0])" }
            continue
        }
        $runs = @(Get-PeerJob -NodePath $node.NodePath -After $since)
        $bad = @($runs | Where-Object { $_.State -notin 'Completed', 'Running', 'Queued' })
        [pscustomobject]@{
            NodeId       = $node.NodeId
            Name         = $node.Name
            NodePath     = $node.NodePath
            State        = $node.State
            Runs         = $runs.Count
            NotCompleted = $bad.Count
            LastProblem  = if ($bad) { "$($bad[-1].Kind) $($bad[-1].State): $($bad[-1].Error)" } else { $null }
        }
    }
}
