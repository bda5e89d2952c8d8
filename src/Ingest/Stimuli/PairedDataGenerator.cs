using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Npy;
using Neurodecode.Ingest.Formats.Parquet;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Stimuli;

/// <summary>
/// What <see cref="PairedDataGenerator"/> plants. <paramref name="Snr"/> is per channel: the RMS of the planted response
/// over its window (taken over all stimuli) divided by the RMS of that channel's background (whole recording, mean
/// removed). <paramref name="Clusters"/> = 0 draws independent random unit embeddings; K &gt; 0 draws K random unit
/// centres and each stimulus as the normalised centre + <paramref name="ClusterSpread"/> · N(0, I/dim).
/// </summary>
public sealed record PairedDataOptions(
    IReadOnlyList<string> Backgrounds,
    int Stimuli = 200,
    int TestStimuli = 40,
    int TrainRepetitions = 2,
    int TestRepetitions = 4,
    int Dim = 64,
    double Snr = 1.0,
    long Seed = 0,
    int Clusters = 0,
    double ClusterSpread = 1.0,
    double ResponseS = 0.5,
    double IsiMinS = 1.5,
    double IsiMaxS = 2.0)
{
    public void Validate()
    {
        if (Backgrounds.Count == 0) throw new ArgumentException("--background: give at least one recording");
        if (Stimuli < 2) throw new ArgumentException($"--stimuli ({Stimuli}) must be at least 2");
        if (TestStimuli < 1 || TestStimuli >= Stimuli) throw new ArgumentException($"--test-stimuli ({TestStimuli}) must be in 1 .. {Stimuli - 1} (--stimuli - 1)");
        if (TrainRepetitions < 1 || TestRepetitions < 1) throw new ArgumentException("--train-reps and --test-reps must be at least 1");
        if (Dim < 1) throw new ArgumentException($"--dim ({Dim}) must be at least 1");
        if (!(Snr >= 0) || double.IsInfinity(Snr)) throw new ArgumentException($"--snr ({Snr}) must be finite and at least 0");
        if (Clusters < 0 || Clusters > Stimuli) throw new ArgumentException($"--clusters ({Clusters}) must be in 0 .. --stimuli");
        if (!(ResponseS > 0)) throw new ArgumentException($"--response ({ResponseS} s) must be positive");
        if (!(IsiMinS >= ResponseS) || !(IsiMaxS >= IsiMinS)) throw new ArgumentException($"ISI {IsiMinS}..{IsiMaxS} s must be at least the response ({ResponseS} s) and ordered");
    }
}

/// <summary>
/// Paired brain/stimulus data with a known answer: real EEG/MEG recordings as backgrounds, stimulus embeddings drawn
/// at random, and a fixed random linear map W from embedding space to a channels × samples response (Gaussian entries
/// under a Hann envelope, so a response rises and falls). Each presentation adds <c>snr</c>-scaled W·e to the
/// background at the trial's onset and is annotated <c>stimulus/&lt;id&gt;</c>, as THINGS-EEG/MEG events would be.
/// Protocol (as in the papers, zero-shot): the last <c>TestStimuli</c> stimuli are test stimuli, never shown in the
/// training recordings; training stimuli are shown <c>TrainRepetitions</c> times, test stimuli <c>TestRepetitions</c>
/// times, each block in a seeded random order, one trial every U(IsiMin, IsiMax) seconds. Training trials fill the
/// backgrounds in order; the test trials start on the next fresh background.
/// </summary>
public sealed class PairedDataGenerator(PairedDataOptions options)
{
    public const string AnnotationPrefix = "stimulus/";
    public const string StimuliFile = "stimuli.parquet", ManifestFile = "manifest.json", MapFile = "response_map.npy";

    /// <summary>One written recording: its path relative to the output folder, its split and its trial count.</summary>
    public sealed record Output(string File, string Split, int Trials);

    /// <summary>Writes <c>train/*.parquet</c>, <c>test/*.parquet</c>, <c>stimuli.parquet</c>, <c>response_map.npy</c>
    /// (W as dim × channels × samples) and <c>manifest.json</c> into <paramref name="dir"/>.</summary>
    public async Task<IReadOnlyList<Output>> WriteAsync(string dir, CancellationToken ct = default)
    {
        options.Validate();
        var rng = new Random(unchecked((int)options.Seed ^ (int)(options.Seed >> 32)));
        var table = DrawStimuli(rng);

        var backgrounds = options.Backgrounds.Select(b => SignalFormats.OpenRecording(b)).ToList();
        try
        {
            var first = backgrounds[0].Info;
            foreach (var b in backgrounds.Skip(1))
                if (b.Info.Sfreq != first.Sfreq || !b.Info.ChannelNames.SequenceEqual(first.ChannelNames))
                    throw new InvalidRecordingException(b.Info.SourcePath,
                        $"channels or sfreq differ from {first.SourcePath} (every background must have the same channels and rate, the planted map is one)");
            int nCh = first.NChannels, nResp = (int)Math.Round(options.ResponseS * first.Sfreq);
            var map = DrawMap(rng, nCh, nResp);
            var gain = ChannelGains(map, table, nCh, nResp);

            int nTrain = options.Stimuli - options.TestStimuli;
            var trainOrder = Presentations(rng, Enumerable.Range(0, nTrain), options.TrainRepetitions);
            var testOrder = Presentations(rng, Enumerable.Range(nTrain, options.TestStimuli), options.TestRepetitions);

            Directory.CreateDirectory(Path.Combine(dir, "train"));
            Directory.CreateDirectory(Path.Combine(dir, "test"));
            var outputs = new List<Output>();
            int next = 0;
            foreach (var (split, order) in new[] { ("train", trainOrder), ("test", testOrder) })
            {
                int done = 0;
                while (done < order.Count)
                {
                    if (next >= backgrounds.Count)
                        throw new ArgumentException($"the backgrounds hold too few trials: {split} needs {order.Count - done} more " +
                            "(add --background recordings, or lower --stimuli or the repetitions)");
                    var bg = backgrounds[next++];
                    int n = await PlantAsync(bg, order, done, split, table, map, gain, nResp, rng, dir, ct);
                    if (n == 0) continue;   // too short for one trial
                    outputs.Add(new Output($"{split}/{Path.GetFileName(bg.Info.SourcePath)}.parquet", split, n));
                    done += n;
                }
            }
            await table.WriteAsync(Path.Combine(dir, StimuliFile), ct);
            var shape = new long[] { options.Dim, nCh, nResp };
            NpyWriter.Write<double>(Path.Combine(dir, MapFile), shape, map);
            await File.WriteAllTextAsync(Path.Combine(dir, ManifestFile), Manifest(first, nResp, outputs).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", ct);
            return outputs;
        }
        finally
        {
            foreach (var b in backgrounds) b.Dispose();
        }
    }

    private StimulusTable DrawStimuli(Random rng)
    {
        int d = options.Dim;
        var centres = Enumerable.Range(0, options.Clusters).Select(_ => Unit(Gaussian(rng, d))).ToArray();
        var ids = new string[options.Stimuli];
        var embeddings = new float[options.Stimuli][];
        var captions = new string[options.Stimuli];
        for (int s = 0; s < options.Stimuli; s++)
        {
            var z = Gaussian(rng, d);
            int cluster = options.Clusters > 0 ? s % options.Clusters : -1;
            if (cluster >= 0)
                for (int i = 0; i < d; i++) z[i] = centres[cluster][i] + options.ClusterSpread * z[i] / Math.Sqrt(d);
            embeddings[s] = Unit(z).Select(v => (float)v).ToArray();
            ids[s] = $"stim-{s:D4}";
            captions[s] = cluster >= 0 ? $"stimulus {s} (cluster {cluster})" : $"stimulus {s}";
        }
        return new StimulusTable(ids, embeddings, captions, "generated stimuli");
    }

    /// <summary>W, dim × channels × samples: N(0, 1) entries times a Hann envelope over the response.</summary>
    private double[] DrawMap(Random rng, int nCh, int nResp)
    {
        var map = Gaussian(rng, options.Dim * nCh * nResp);
        for (int k = 0; k < options.Dim; k++)
            for (int c = 0; c < nCh; c++)
                for (int t = 0; t < nResp; t++)
                    map[(k * nCh + c) * nResp + t] *= Math.Sin(Math.PI * (t + 0.5) / nResp);
        return map;
    }

    /// <summary>The RMS of channel c's raw response W·e over all stimuli and samples: the response is divided by it, so
    /// snr alone sets its size relative to the background.</summary>
    private static double[] ChannelGains(double[] map, StimulusTable table, int nCh, int nResp)
    {
        var sumSq = new double[nCh];
        var r = new double[nCh * nResp];
        for (int s = 0; s < table.Count; s++)
        {
            Response(map, table.Embeddings[s], nCh, nResp, r);
            for (int c = 0; c < nCh; c++)
                for (int t = 0; t < nResp; t++) sumSq[c] += r[c * nResp + t] * r[c * nResp + t];
        }
        return sumSq.Select(v => Math.Sqrt(v / (table.Count * (double)nResp))).ToArray();
    }

    private static void Response(double[] map, float[] e, int nCh, int nResp, double[] r)
    {
        Array.Clear(r);
        int size = nCh * nResp;
        for (int k = 0; k < e.Length; k++)
        {
            var wk = map.AsSpan(k * size, size);
            System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(wk, (double)e[k], r, r);
        }
    }

    /// <summary>Adds trials order[from..] to one background while they fit; writes it and returns how many it holds.</summary>
    private async Task<int> PlantAsync(Recording bg, IReadOnlyList<int> order, int from, string split, StimulusTable table,
        double[] map, double[] gain, int nResp, Random rng, string dir, CancellationToken ct)
    {
        var info = bg.Info;
        int nCh = info.NChannels;
        var block = bg.ReadAll();
        var data = block.Data.ToArray();
        int n = checked((int)info.NSamples);
        var rms = new double[nCh];
        for (int c = 0; c < nCh; c++)
        {
            var x = data.AsSpan(c * n, n);
            double mean = System.Numerics.Tensors.TensorPrimitives.Sum<double>(x) / n, ss = 0;
            foreach (var v in x) ss += (v - mean) * (v - mean);
            rms[c] = Math.Sqrt(ss / n);
        }
        var annotations = new List<Annotation>();
        var r = new double[nCh * nResp];
        long onset = (long)Math.Round(0.5 * info.Sfreq);   // half a second of lead-in
        int planted = 0;
        while (from + planted < order.Count && onset + nResp <= n)
        {
            int s = order[from + planted];
            Response(map, table.Embeddings[s], nCh, nResp, r);
            for (int c = 0; c < nCh; c++)
            {
                double scale = gain[c] > 0 ? options.Snr * rms[c] / gain[c] : 0;
                for (int t = 0; t < nResp; t++) data[c * n + onset + t] += scale * r[c * nResp + t];
            }
            annotations.Add(new Annotation(onset / info.Sfreq, options.ResponseS, AnnotationPrefix + table.Ids[s]));
            planted++;
            onset += (long)Math.Round((options.IsiMinS + (options.IsiMaxS - options.IsiMinS) * rng.NextDouble()) * info.Sfreq);
        }
        if (planted == 0) return 0;
        var recording = new MemoryRecording(info, annotations, data);
        await ParquetSignalWriter.WriteAsync(recording, Path.Combine(dir, split, Path.GetFileName(info.SourcePath) + ".parquet"), ct);
        return planted;
    }

    private static List<int> Presentations(Random rng, IEnumerable<int> stimuli, int repetitions)
    {
        var order = new List<int>();
        var ids = stimuli.ToArray();
        for (int rep = 0; rep < repetitions; rep++)
        {
            var block = (int[])ids.Clone();
            rng.Shuffle(block);
            order.AddRange(block);
        }
        return order;
    }

    private JsonObject Manifest(RecordingInfo first, int nResp, IReadOnlyList<Output> outputs) => new()
    {
        ["generator"] = "neurodecode simulate paired",
        ["options"] = JsonSerializer.SerializeToNode(options, new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }),
        ["snr_definition"] = "per channel: RMS of the planted response over its window and all stimuli / RMS of the background channel (whole recording, mean removed)",
        ["embeddings"] = options.Clusters > 0 ? $"{options.Clusters} clusters: normalised random unit centre + {options.ClusterSpread} * N(0, I/dim)" : "independent random unit vectors",
        ["map"] = $"{MapFile}: W, dim x channels x samples, N(0,1) times a Hann envelope; response_c = snr * rms_background_c / rms_W_c * (W e)_c",
        ["annotation"] = AnnotationPrefix + "<stimulus_id> at each response onset, duration response_s",
        ["channels"] = new JsonArray(first.Channels.Select(c => (JsonNode)c.Name).ToArray()),
        ["sfreq"] = first.Sfreq,
        ["response_samples"] = nResp,
        ["recordings"] = new JsonArray(outputs.Select(o => (JsonNode)new JsonObject { ["file"] = o.File, ["split"] = o.Split, ["trials"] = o.Trials }).ToArray()),
    };

    private static double[] Gaussian(Random rng, int n)
    {
        var z = new double[n];
        for (int i = 0; i < n; i += 2)
        {
            // Box-Muller: two independent N(0, 1) from two uniforms.
            double u1 = 1.0 - rng.NextDouble(), u2 = rng.NextDouble();
            double radius = Math.Sqrt(-2.0 * Math.Log(u1));
            z[i] = radius * Math.Cos(2 * Math.PI * u2);
            if (i + 1 < n) z[i + 1] = radius * Math.Sin(2 * Math.PI * u2);
        }
        return z;
    }

    private static double[] Unit(double[] v)
    {
        double norm = Math.Sqrt(v.Sum(x => x * x));
        return v.Select(x => x / norm).ToArray();
    }

    /// <summary>A background with its planted trials, held in memory (channel-major) until written.</summary>
    private sealed class MemoryRecording(RecordingInfo info, IReadOnlyList<Annotation> annotations, double[] data)
        : Recording(info, annotations)
    {
        protected override void ReadSegment(long start, int count, IReadOnlyList<int> picks, Span<double> dest)
        {
            long n = Info.NSamples;
            for (int i = 0; i < picks.Count; i++)
                data.AsSpan((int)(picks[i] * n + start), count).CopyTo(dest.Slice(i * count, count));
        }
    }
}
