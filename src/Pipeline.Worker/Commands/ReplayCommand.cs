using System.CommandLine;
using Neurodecode.Pipeline.Worker.Live;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode replay FILE --to HOST:PORT [--speed 1.0] [--frame 0.0625]</c>: streams a recording to a running
/// daemon and prints every answer line; exits when the file has been sent and every answer is in.</summary>
public static class ReplayCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "a recording (EDF, BDF, BrainVision, GDF ...)" };
        var to = new Option<string>("--to") { Description = "the daemon's HOST:PORT", Required = true };
        var speed = new Option<double>("--speed") { Description = "pace relative to real time; 0 = as fast as possible", DefaultValueFactory = _ => 1.0 };
        var frame = new Option<double>("--frame") { Description = "seconds of signal per frame", DefaultValueFactory = _ => 0.0625 };
        var command = new Command("replay", "stream a recording to `neurodecode serve` at real-time pace") { file, to, speed, frame };
        command.SetAction((parse, ct) => CommandHost.RunAsync("replay", async (_, token) =>
        {
            var endpoint = await ReplayClient.ResolveAsync(parse.GetRequiredValue(to), token);
            string path = parse.GetRequiredValue(file);
            if (!File.Exists(path)) throw new UsageException($"{path}: no such file");
            var result = await ReplayClient.RunAsync(path, endpoint, parse.GetValue(speed), parse.GetValue(frame), Console.Out.WriteLine, token);
            if (result.Error is not null)
                throw new UsageException($"the daemon refused the stream: {result.Error}");
            return CommandHost.ExitOk;
        }, ct));
        return command;
    }
}
