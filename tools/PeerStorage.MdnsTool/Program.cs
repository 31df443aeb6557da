using PeerStorage.MdnsTool;

// peerstorage-mdns: advertise | browse | watch | blast (see each command's file for its options).
const string usage = """
    usage: PeerStorage.MdnsTool <command> [options]
      advertise --instance NAME --port N [--host H] [--txt k=v ...] [--browse] [--ignore-stdin]
      browse    [--timeout SECONDS] [--json]
      watch     [--timeout SECONDS] [--ignore-stdin]
      blast     --target IP [--count N] [--seed S] [--multicast]
    common: [--type _svc._tcp] [--interface NAME ...] [--loopback] [--ipv4-only] [--mdns-port P] [--log debug|info|warning]
    """;

if (args.Length == 0)
{
    Console.Error.WriteLine(usage);
    return 2;
}
try
{
    var options = new ToolArguments(args.Skip(1), CommonOptions.Flags.ToHashSet());
    return args[0] switch
    {
        "advertise" => await AdvertiseCommand.RunAsync(options),
        "browse" => await BrowseCommand.RunAsync(options),
        "watch" => await WatchCommand.RunAsync(options),
        "blast" => await BlastCommand.RunAsync(options),
        _ => throw new UsageException($"Unknown command '{args[0]}'."),
    };
}
catch (UsageException e)
{
    Console.Error.WriteLine(e.Message);
    Console.Error.WriteLine(usage);
    return 2;
}
