using System.Text.Json.Nodes;
using Neurodecode.Models.Training;
using Neurodecode.Pipeline.Worker.Commands;
using Neurodecode.Pipeline.Worker.Reports;
using Neurodecode.Preprocess.Steps;
using Parquet;
using Parquet.Schema;

namespace Neurodecode.Pipeline.Worker.Batch;

/// <summary>
/// <c>neurodecode evaluate</c>: a trained model on new recordings through the pipeline saved with it; writes
/// predictions.parquet (one row per window), metrics.json and confusion_matrix.png. Windows are labelled by their events,
/// or, for a model trained with <c>data.labels</c>, by the training config's participants table (every recording must be
/// listed in it).
/// </summary>
public sealed class EvaluateJob(PreprocessJob preprocess)
{
    public async Task<ClassificationMetrics> RunAsync(string modelDir, IReadOnlyList<string> files, string outDir, CancellationToken ct)
    {
        using var model = ModelDir.Open(modelDir);
        var windowed = await preprocess.WindowAsync(model.Pipeline, files, jobs: 2, ct);
        for (int i = 0; i < files.Count; i++)
            model.CheckChannels(files[i], windowed.Resolved[i].Input.Channels);
        var data = WindowDataset.Concat(windowed.Sets);
        // Recording-level labels come from the table the model was trained with.
        if (model.Labels is { } labels)
            data = RecordingLabels.Load(labels).Apply(data, model.Classes);
        if (data.NChans != model.Model.Config.NChans || data.NTimes != model.Model.Config.NTimes)
            throw new UsageException($"windows are {data.NChans} channels x {data.NTimes} samples, the model expects {model.Model.Config.NChans} x {model.Model.Config.NTimes}");

        int k = model.Classes.Count, n = data.Count;
        var probs = new double[n, k];
        var predicted = new long[n];
        const int batch = 64;
        for (int start = 0; start < n; start += batch)
        {
            int b = Math.Min(batch, n - start);
            var logits = model.Model.Forward(data.X.AsSpan(start * data.NChans * data.NTimes, b * data.NChans * data.NTimes), b);
            for (int i = 0; i < b; i++)
                Softmax(logits.AsSpan(i * k, k), probs, start + i, out predicted[start + i]);
        }
        // The pipeline's class ids name pipeline classes; the model knows a subset of them (train's data.classes).
        var trueLabels = data.Windows.Select(w => w.Label is { } l && model.Classes.Contains(l) ? l : null).ToArray();
        var scored = Enumerable.Range(0, n).Where(i => trueLabels[i] is not null).ToArray();
        var metrics = Metrics.Compute(
            scored.Select(i => (long)model.Classes.ToList().IndexOf(trueLabels[i]!)).ToArray(),
            scored.Select(i => predicted[i]).ToArray(),
            Rows(probs, scored, k), k, model.Classes);

        await OutputFolder.WriteAsync(outDir, async temp =>
        {
            await WritePredictionsAsync(Path.Combine(temp, "predictions.parquet"), data, trueLabels, predicted, probs, model.Classes, ct);
            var json = JsonNode.Parse(metrics.ToJson())!.AsObject();
            json["model"] = Path.GetFullPath(model.Path);
            json["weights_sha256"] = model.WeightsSha256;
            json["files"] = new JsonArray(files.Select(f => (JsonNode)f).ToArray());
            await File.WriteAllTextAsync(Path.Combine(temp, "metrics.json"), json.ToJsonString(PipelineJson.Options) + "\n", ct);
            // Metrics exist only for labelled windows (Metrics.Compute refuses none), so the matrix always has counts.
            await File.WriteAllBytesAsync(Path.Combine(temp, "confusion_matrix.png"), Plots.ConfusionMatrix(metrics, "evaluation"), ct);
        });
        return metrics;
    }

    /// <summary>Softmax in float64 of one window's logits into <paramref name="probs"/>; returns the class with the
    /// highest probability (the first, on ties). Evaluate, decode and serve all score windows with it.</summary>
    public static int Softmax(ReadOnlySpan<float> logits, Span<double> probs)
    {
        double max = double.NegativeInfinity, sum = 0;
        foreach (float v in logits) max = Math.Max(max, v);
        for (int c = 0; c < logits.Length; c++) sum += probs[c] = Math.Exp(logits[c] - max);
        int argmax = 0;
        for (int c = 0; c < logits.Length; c++)
        {
            probs[c] /= sum;
            if (probs[c] > probs[argmax]) argmax = c;
        }
        return argmax;
    }

    /// <summary><see cref="Softmax(ReadOnlySpan{float}, Span{double})"/> into row <paramref name="row"/> of a
    /// windows x classes table.</summary>
    internal static void Softmax(ReadOnlySpan<float> logits, double[,] probs, int row, out long argmax) =>
        argmax = Softmax(logits, System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref probs[row, 0], logits.Length));

    private static double[,] Rows(double[,] probs, int[] rows, int k)
    {
        var result = new double[rows.Length, k];
        for (int i = 0; i < rows.Length; i++)
            for (int c = 0; c < k; c++)
                result[i, c] = probs[rows[i], c];
        return result;
    }

    /// <summary>Columns file, subject, onset_s, true_label (null when the window has no known label), predicted_label, prob_&lt;class&gt;.</summary>
    private static async Task WritePredictionsAsync(string path, WindowDataset data, string?[] trueLabels, long[] predicted,
        double[,] probs, IReadOnlyList<string> classes, CancellationToken ct)
    {
        int n = data.Count;
        var file = new DataField<string>("file");
        var subject = new DataField<string>("subject", nullable: true);
        var onset = new DataField<double>("onset_s");
        var truth = new DataField<string>("true_label", nullable: true);
        var prediction = new DataField<string>("predicted_label");
        var probFields = classes.Select(c => new DataField<double>($"prob_{c}")).ToArray();
        await using var stream = File.Create(path);
        await using var writer = await ParquetWriter.CreateAsync(new ParquetSchema([file, subject, onset, truth, prediction, .. probFields]), stream, cancellationToken: ct);
        using var group = writer.CreateRowGroup();
        await group.WriteAsync(file, data.Windows.Select(w => w.File).ToArray());
        await group.WriteAsync(subject, data.Windows.Select(w => w.Subject).ToArray()!);
        await group.WriteAsync<double>(onset, data.Windows.Select(w => w.OnsetS).ToArray(), cancellationToken: ct);
        await group.WriteAsync(truth, trueLabels!);
        await group.WriteAsync(prediction, predicted.Select(p => classes[(int)p]).ToArray());
        for (int c = 0; c < classes.Count; c++)
            await group.WriteAsync<double>(probFields[c], Enumerable.Range(0, n).Select(i => probs[i, c]).ToArray(), cancellationToken: ct);
        group.CompleteValidate();
    }
}
