using System.CommandLine;
using Neurodecode.Pipeline.Worker.Live;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode status --to HOST:PORT</c>: the daemon's status line (connections, windows, drops, latency).</summary>
public static class StatusCommand
{
    public static Command Create()
    {
        var to = new Option<string>("--to") { Description = "the daemon's HOST:PORT", Required = true };
        var command = new Command("status", "print a running daemon's status as one JSON line") { to };
        command.SetAction((parse, ct) => CommandHost.RunAsync("status", async (_, token) =>
        {
            var endpoint = await ReplayClient.ResolveAsync(parse.GetRequiredValue(to), token);
            Console.Out.WriteLine(await ReplayClient.StatusAsync(endpoint, token));
            return CommandHost.ExitOk;
        }, ct));
        return command;
    }
}
