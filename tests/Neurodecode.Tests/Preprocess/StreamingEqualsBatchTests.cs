using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Tests.Preprocess;

/// <summary>
/// A causal pipeline fed a real recording block by block, in random block sizes, gives the whole-signal result
/// (the same steps applied offline) to 1e-9.
/// </summary>
public class StreamingEqualsBatchTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Causal_steps_in_random_blocks_equal_the_whole_signal(int seed)
    {
        using var recording = SignalFormats.OpenRecording(TestPaths.Shared("eegmmidb/S001/S001R04.edf"));
        var spec = PipelineSpec.Parse("""
            {"name": "live", "steps": [
              {"step": "standardize_channel_names"},
              {"step": "pick", "names": ["C3", "Cz", "C4", "FC3", "FC4", "CP3", "CP4"]},
              {"step": "set_eeg_reference", "ref_channels": "average"},
              {"step": "filter", "l_freq": 1, "h_freq": 40, "method": "iir", "phase": "causal"},
              {"step": "filter", "l_freq": 62, "h_freq": 58, "method": "iir", "phase": "causal"},
              {"step": "scale", "unit": "uV"},
              {"step": "clip", "min": -500, "max": 500}
            ], "windows": {"length_s": 4, "hop_s": 0.25}}
            """);
        var resolved = ResolvedPipeline.Resolve(spec, recording.Info, recording.Annotations);
        var chain = resolved.CausalSteps();

        var batch = RawData.Read(recording);
        foreach (var step in resolved.Steps)
            batch = ((IOfflineStep)step).Apply(batch);

        var states = chain.Select(s => s.Start()).ToList();
        var random = new Random(seed);
        var streamed = new double[batch.Data.Length];
        int nOut = resolved.Output.NChannels, n = batch.NTimes;
        for (long start = 0; start < n;)
        {
            int size = (int)Math.Min(random.Next(1, 700), n - start);
            var block = recording.ReadAll(start, start + size);
            foreach (var state in states)
                block = state.Process(block);
            for (int c = 0; c < nOut; c++)
                block.Channel(c).CopyTo(streamed.AsSpan(c * n + (int)start, size));
            start += size;
        }

        double scale = batch.Data.Max(Math.Abs);
        for (int i = 0; i < streamed.Length; i++)
            Assert.True(Math.Abs(streamed[i] - batch.Data[i]) <= 1e-9 * scale, $"value {i}: streamed {streamed[i]} vs batch {batch.Data[i]}");
    }
}
