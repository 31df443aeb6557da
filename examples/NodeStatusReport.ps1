<#
.SYNOPSIS
    A status report over several node homes: identity, state, and the runs of the last day that did not complete.
.DESCRIPTION
    Pipe node home paths in (or pass -NodePath); each row says which node it describes, so the report can be
    sorted, exported to CSV or mailed. Runs with the bundled shell:
        dotnet run --project src/PeerStorage.Shell -- examples/NodeStatusReport.ps1 /srv/peer-a /srv/peer-b
.EXAMPLE
    ./NodeStatusReport.ps1 -NodePath /srv/peer-a, /srv/peer-b | Export-Csv nodes.csv
#>
param(
    [Parameter(ValueFromRemainingArguments = $true)]
    [string[]] $NodePath = @($env:PEERSTORAGE_HOME),
    [TimeSpan] $Window = [TimeSpan]::FromDays(1)
)

$since = [DateTimeOffset]::UtcNow - $Window
foreach ($path in $NodePath) {
    $node = Get-PeerNode -NodePath $path -ErrorAction SilentlyContinue -ErrorVariable problem
    if (-not $node) {
        [pscustomobject]@{ NodeId = $null; Name = $null; NodePath = $path; State = 'Unavailable'; Runs = 0; NotCompleted = 0; LastProblem = "$($problem[0])" }
        continue
    }
    $runs = @(Get-PeerJob -NodePath $path -After $since)
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
