using System.CommandLine;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode inspect FILE [--json]</c>: what a file holds, from its header alone.</summary>
public static class InspectCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("FILE") { Description = "EDF/BDF, BrainVision .vhdr, GDF, FIF, NIfTI, ROI table or Parquet file" };
        var json = new Option<bool>("--json") { Description = "print one JSON object (the contract other tools read)" };
        var events = new Option<bool>("--events") { Description = "also list the trigger events mne.find_events finds on the stim channels (samples count from first_samp, as MNE's)" };
        var command = new Command("inspect", "describe a recording or image: format, channels, rates, annotations") { file, json, events };
        command.SetAction((parse, ct) => CommandHost.RunAsync("inspect", (_, _) =>
        {
            string path = parse.GetRequiredValue(file);
            bool asJson = parse.GetValue(json);
            Console.Out.Write(Describe(path, asJson, parse.GetValue(events)));
            return Task.FromResult(CommandHost.ExitOk);
        }, ct));
        return command;
    }

    public static string Describe(string path, bool json, bool events = false)
    {
        if (SignalFormats.Detect(path) is IVolumeFormat volumes)
        {
            using var series = volumes.Open(path);
            return json ? InspectReport.ToJsonText(InspectReport.Json(path, series)) + "\n" : InspectReport.Text(path, series);
        }
        using var recording = SignalFormats.OpenRecording(path);
        if (!events)
            return json ? InspectReport.ToJsonText(InspectReport.Json(path, recording)) + "\n" : InspectReport.Text(path, recording);
        var found = StimEvents.Find(recording);
        if (!json)
            return InspectReport.Text(path, recording) + InspectReport.EventsText(found);
        var report = InspectReport.Json(path, recording);
        report["events"] = new System.Text.Json.Nodes.JsonArray(found.Select(e => (System.Text.Json.Nodes.JsonNode)new System.Text.Json.Nodes.JsonArray(e.Sample, e.Before, e.Value)).ToArray());
        return InspectReport.ToJsonText(report) + "\n";
    }
}
