using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode simulate roi-connectivity</c>: a labelled ROI dataset with a known answer. Each generated subject
/// is a real ROI series (the backgrounds, cycled: subject i uses background i mod count, its first <c>rois</c> regions
/// and first <c>volumes</c> time points) plus, for its class, one shared smooth latent signal — a unit-variance AR(1)
/// s(t) = φ·s(t−1) + √(1−φ²)·ε(t) — added to that class's planted regions, scaled to <c>strength</c> × each region's
/// own standard deviation. Within a planted set the correlation rises by about strength²/(1 + strength²) for that
/// class only; strength 0 leaves the backgrounds untouched (chance level). Classes are balanced and assigned in a
/// seeded order; the planted sets are disjoint, drawn by the seed. Writes <c>sub-XXX_rois.tsv</c> (+ a
/// <c>sub-XXX_rois.json</c> sidecar with RepetitionTime), <c>participants.tsv</c> (participant_id, group, background)
/// and <c>planted.json</c> (every parameter and the planted columns).
/// </summary>
public static class PlantedRoiConnectivity
{
    /// <param name="Backgrounds">Real ROI tables (.1D/.csv/.tsv), sorted by path.</param>
    /// <param name="PlantedPerClass">Regions in each class's planted set.</param>
    /// <param name="Phi">AR(1) coefficient of the latent signal (its smoothness).</param>
    public sealed record Options(IReadOnlyList<string> Backgrounds, int Subjects, double Strength, long Seed, int Rois = 50,
        int Volumes = 78, int Classes = 2, int PlantedPerClass = 8, double Phi = 0.8, double RepetitionTime = 2.0);

    public static async Task WriteAsync(Options o, string outDir, CancellationToken ct)
    {
        Validate(o);
        var regionOrder = new SplitMix64(SplitMix64.Derive(o.Seed, -1)).Permutation(o.Rois);
        var planted = Enumerable.Range(0, o.Classes).Select(c => regionOrder[(c * o.PlantedPerClass)..((c + 1) * o.PlantedPerClass)].Order().ToArray()).ToArray();
        var classOf = Enumerable.Range(0, o.Subjects).Select(i => i % o.Classes).ToArray();
        new SplitMix64(SplitMix64.Derive(o.Seed, -2)).Shuffle<int>(classOf);
        var groups = Enumerable.Range(0, o.Classes).Select(c => $"pattern_{c + 1}").ToArray();
        var inv = CultureInfo.InvariantCulture;

        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            var participants = new StringBuilder("participant_id\tgroup\tbackground\n");
            for (int i = 0; i < o.Subjects; i++)
            {
                ct.ThrowIfCancellationRequested();
                string background = o.Backgrounds[i % o.Backgrounds.Count];
                var (names, x) = Background(background, o.Rois, o.Volumes);
                Plant(x, o.Volumes, planted[classOf[i]], o.Strength, o.Phi, new SplitMix64(SplitMix64.Derive(o.Seed, i)));
                string id = $"sub-{i + 1:000}";
                var table = new StringBuilder(string.Join('\t', names.Select(n => "#" + n)) + "\n");
                for (int t = 0; t < o.Volumes; t++)
                    table.Append(string.Join('\t', Enumerable.Range(0, o.Rois).Select(r => x[r * o.Volumes + t].ToString("R", inv)))).Append('\n');
                await File.WriteAllTextAsync(Path.Combine(temp, $"{id}_rois.tsv"), table.ToString(), ct);
                await File.WriteAllTextAsync(Path.Combine(temp, $"{id}_rois.json"),
                    new JsonObject { ["RepetitionTime"] = o.RepetitionTime }.ToJsonString() + "\n", ct);
                participants.Append($"{id}\t{groups[classOf[i]]}\t{Path.GetFileName(background)}\n");
            }
            await File.WriteAllTextAsync(Path.Combine(temp, "participants.tsv"), participants.ToString(), ct);
            var description = new JsonObject
            {
                ["generator"] = "neurodecode simulate roi-connectivity",
                ["subjects"] = o.Subjects, ["strength"] = o.Strength, ["seed"] = o.Seed, ["rois"] = o.Rois, ["volumes"] = o.Volumes,
                ["phi"] = o.Phi, ["repetition_time"] = o.RepetitionTime,
                // 1-based columns of the tables, per group
                ["planted_columns"] = new JsonObject(groups.Select((g, c) => KeyValuePair.Create(g,
                    (JsonNode?)new JsonArray(planted[c].Select(r => (JsonNode)(r + 1)).ToArray())))),
                ["backgrounds"] = new JsonArray(o.Backgrounds.Take(Math.Min(o.Subjects, o.Backgrounds.Count)).Select(b => (JsonNode)Path.GetFileName(b)).ToArray()),
            };
            await File.WriteAllTextAsync(Path.Combine(temp, "planted.json"), description.ToJsonString(PipelineJson.Options) + "\n", ct);
        });
    }

    private static void Validate(Options o)
    {
        if (o.Backgrounds.Count == 0) throw new UsageException("--backgrounds: no ROI tables found");
        if (o.Subjects < o.Classes) throw new UsageException($"--subjects ({o.Subjects}) must be at least the number of classes ({o.Classes})");
        if (o.Classes < 2) throw new UsageException($"--classes ({o.Classes}) must be at least 2");
        if (!(o.Strength >= 0) || double.IsInfinity(o.Strength)) throw new UsageException($"--strength ({o.Strength}) must be a finite number >= 0");
        if (o.PlantedPerClass < 2) throw new UsageException($"--planted ({o.PlantedPerClass}) must be at least 2 regions");
        if (o.Rois < o.Classes * o.PlantedPerClass)
            throw new UsageException($"--rois ({o.Rois}) must hold {o.Classes} disjoint planted sets of {o.PlantedPerClass} regions");
        if (o.Volumes < 2) throw new UsageException($"--volumes ({o.Volumes}) must be at least 2");
        if (!(o.Phi >= 0 && o.Phi < 1)) throw new UsageException($"--phi ({o.Phi}) must be in [0, 1)");
        if (!(o.RepetitionTime > 0)) throw new UsageException($"--tr ({o.RepetitionTime}) must be positive");
    }

    /// <summary>The first <paramref name="rois"/> regions x first <paramref name="volumes"/> time points of a real table,
    /// region-major, with the regions' names.</summary>
    private static (IReadOnlyList<string> Names, double[] X) Background(string path, int rois, int volumes)
    {
        using var recording = SignalFormats.OpenRecording(path);
        var info = recording.Info;
        if (info.Channels.Count < rois || info.NSamples < volumes)
            throw new InvalidRecordingException(path, $"has {info.Channels.Count} regions x {info.NSamples} volumes, the simulation takes {rois} x {volumes}");
        var raw = RawData.Read(recording);
        var x = new double[rois * volumes];
        for (int r = 0; r < rois; r++)
            raw.Channel(r)[..volumes].CopyTo(x.AsSpan(r * volumes, volumes));
        return (info.Channels.Take(rois).Select(c => c.Name).ToList(), x);
    }

    /// <summary>Adds strength · std(region) · s(t) to each planted region, s a unit-variance AR(1) drawn from
    /// <paramref name="random"/> (Box–Muller normals; s(0) from the stationary distribution).</summary>
    private static void Plant(double[] x, int volumes, int[] regions, double strength, double phi, SplitMix64 random)
    {
        double Normal()
        {
            double u1 = (random.NextUInt64() >> 11 | 1) / 9007199254740992.0, u2 = (random.NextUInt64() >> 11) / 9007199254740992.0;
            return Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2);
        }
        var s = new double[volumes];
        s[0] = Normal();
        for (int t = 1; t < volumes; t++) s[t] = phi * s[t - 1] + Math.Sqrt(1 - phi * phi) * Normal();
        foreach (int r in regions)
        {
            var region = x.AsSpan(r * volumes, volumes);
            double mean = 0, var = 0;
            foreach (double v in region) mean += v;
            mean /= volumes;
            foreach (double v in region) var += (v - mean) * (v - mean);
            double scale = strength * Math.Sqrt(var / volumes);
            for (int t = 0; t < volumes; t++) region[t] += scale * s[t];
        }
    }
}
