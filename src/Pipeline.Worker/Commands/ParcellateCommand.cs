using System.CommandLine;
using System.Globalization;
using Neurodecode.Ingest.Datasets;
using Neurodecode.Ingest.Formats.Parquet;
using Neurodecode.Ingest.Parcellation;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode parcellate BOLD --atlas ATLAS [--labels TABLE] [--events EVENTS.tsv] -o OUT.parquet</c>: a 4-D BOLD image reduced to one
/// mean signal per atlas region (nilearn's NiftiLabelsMasker), written as a Parquet signal file that <c>inspect</c>,
/// <c>preprocess</c>, <c>train</c> and <c>decode</c> read like any recording. Prints the regions and their voxel counts.
/// </summary>
public static class ParcellateCommand
{
    public static Command Create()
    {
        var bold = new Argument<string>("BOLD") { Description = "4-D NIfTI BOLD series (TR from its header)" };
        var atlas = new Option<string>("--atlas") { Description = "3-D label atlas (0 = background); resampled by nearest neighbour when its grid differs", Required = true };
        var labels = new Option<string?>("--labels") { Description = "region names: lines 'LABEL NAME' (mricron's aal.nii.txt)" };
        var events = new Option<string?>("--events") { Description = "BIDS events.tsv (onset, duration, trial_type) stored as annotations, for epochs" };
        var output = new Option<string>("--out", "-o") { Description = "output .parquet", Required = true };
        var command = new Command("parcellate", "mean BOLD signal per atlas region, as a Parquet ROI recording") { bold, atlas, labels, events, output };
        command.SetAction((parse, ct) => CommandHost.RunAsync("parcellate", async (_, token) =>
        {
            Console.Out.Write(await ParcellateAsync(parse.GetRequiredValue(bold), parse.GetRequiredValue(atlas),
                parse.GetValue(labels), parse.GetValue(events), parse.GetRequiredValue(output), token));
            return CommandHost.ExitOk;
        }, ct));
        return command;
    }

    /// <summary>Writes <paramref name="output"/> and returns the summary printed on stdout.</summary>
    public static async Task<string> ParcellateAsync(string bold, string atlas, string? labels, string? events, string output, CancellationToken ct)
    {
        if (!output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase))
            throw new UsageException($"{output}: output must end in .parquet");
        foreach (string? input in new[] { bold, atlas, labels, events })
            if (input is not null && Path.GetFullPath(input) == Path.GetFullPath(output))
                throw new UsageException($"{output}: output would overwrite an input");
        var annotations = events is null ? null : BidsEvents.Read(events);
        using var recording = await ParcellatedRecording.ParcellateAsync(bold, atlas, labels, annotations, ct);
        string description = recording.Describe().ToJsonString();
        await AtomicFile.WriteAsync(output, temp => ParquetSignalWriter.WriteAsync(recording, temp, ct, description));
        return Summary(recording, output);
    }

    private static string Summary(ParcellatedRecording recording, string output)
    {
        var inv = CultureInfo.InvariantCulture;
        var info = recording.Info;
        var sb = new System.Text.StringBuilder();
        sb.AppendLine(inv, $"{output}: {info.NChannels} regions x {info.NSamples} volumes, sfreq {info.Sfreq:0.######} Hz (TR {1 / info.Sfreq:0.###} s), atlas {(recording.Atlas.Resampled ? "resampled (nearest)" : "on the BOLD grid")}");
        sb.AppendLine("region\tlabel\tvoxels");
        for (int r = 0; r < info.NChannels; r++)
            sb.AppendLine(inv, $"{info.Channels[r].Name}\t{recording.Atlas.Labels[r]:R}\t{recording.Atlas.VoxelCounts[r]}");
        if (recording.Atlas.LabelsOutsideImage.Count > 0)
            sb.AppendLine(inv, $"atlas labels with no voxel in the image (not regions): {string.Join(", ", recording.Atlas.LabelsOutsideImage.Select(l => l.ToString("R", inv)))}");
        return sb.ToString();
    }
}
