using System.CommandLine;
using Neurodecode.Ingest.Formats;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode inspect FILE [--json]</c>: what a file holds, from its header alone.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "EDF/BDF, BrainVision .vhdr, GDF, NIfTI, ROI table or Parquet file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (the contract other tools read)" };
        var command = new Command("inspect", "describe a recording or image: format, channels, rates, annotations") { file, json };
        command.SetAction((parse, ct) => CommandHost.RunAsync("inspect", (_, _) =>
        {
            string path = parse.GetRequiredValue(file);
            bool asJson = parse.GetValue(json);
            Console.Out.Write(Describe(path, asJson));
            return Task.FromResult(CommandHost.ExitOk);
        }, ct));
        return command;
    }

    public static string Describe(string path, bool json)
    {
        if (SignalFormats.Detect(path) is IVolumeFormat volumes)
        {
            using var series = volumes.Open(path);
            return json ? InspectReport.ToJsonText(InspectReport.Json(path, series)) + "\n" : InspectReport.Text(path, series);
        }
        using var recording = SignalFormats.OpenRecording(path);
        return json ? InspectReport.ToJsonText(InspectReport.Json(path, recording)) + "\n" : InspectReport.Text(path, recording);
    }
}
