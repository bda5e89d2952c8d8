using System.Text.Json;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Fif;
using Neurodecode.Ingest.Signals;
using Xunit.Abstractions;

namespace Neurodecode.Tests.Ingest.Fif;

/// <summary>
/// The FIF reader and find_events against MNE 1.3 on every FIF raw file in ../shared/datasets/meg (fixtures by
/// tools/make_fif_golden.py; names, kinds, units, rates and fingerprints are in GoldenConformanceTests): the first
/// samples of every channel within 1e-6 relative, header facts, MANIFEST.tsv's data_sum, and find_events' rows.
/// </summary>
public class FifReaderTests(ITestOutputHelper output)
{
    public static TheoryData<string> Files()
    {
        var data = new TheoryData<string>();
        foreach (var f in Directory.EnumerateFiles(TestPaths.Golden, "*.extra.json", SearchOption.AllDirectories).Order())
            if (Path.GetFileName(Path.GetDirectoryName(f)!).StartsWith("meg_", StringComparison.Ordinal))
                data.Add(Path.GetRelativePath(TestPaths.Golden, f)[..^".extra.json".Length]);
        return data;
    }

    /// <summary>meg_fif/x.fif → ../shared/datasets/meg/fif/x.fif</summary>
    private static string SharedPath(string stem) =>
        TestPaths.Shared(Path.Combine("meg", Path.GetDirectoryName(stem)!["meg_".Length..], Path.GetFileName(stem)));

    private static string GoldenPath(string stem, string suffix) => Path.Combine(TestPaths.Golden, stem + suffix);

    [Theory]
    [MemberData(nameof(Files))]
    public void First_samples_match_mne_within_1e6_relative(string stem)
    {
        var (shape, want) = Npy.Read(GoldenPath(stem, ".head.npy"));
        using var rec = FifRecording.Open(SharedPath(stem));
        int nCh = (int)shape[0], n = (int)shape[1];
        Assert.Equal(rec.Info.NChannels, nCh);
        var got = rec.ReadAll(0, n);
        double maxRel = 0;
        for (int c = 0; c < nCh; c++)
            for (int i = 0; i < n; i++)
            {
                double w = want[c * n + i], g = got[c, i];
                Assert.True(Math.Abs(g - w) <= 1e-6 * Math.Abs(w), $"{stem} channel {c} '{rec.Info.Channels[c].Name}' sample {i}: got {g}, MNE {w}");
                if (w != 0)
                    maxRel = Math.Max(maxRel, Math.Abs(g - w) / Math.Abs(w));
            }
        output.WriteLine($"{Path.GetFileName(stem)}: {nCh} channels x {n} samples, max relative difference {maxRel:G3}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Header_facts_and_data_sum_match_mne(string stem)
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(GoldenPath(stem, ".extra.json")));
        var want = doc.RootElement;
        using var rec = FifRecording.Open(SharedPath(stem));
        Assert.Equal(want.GetProperty("first_samp").GetInt64(), rec.FirstSamp);
        Assert.Equal(rec.FirstSamp, rec.Info.FirstSamp);
        Assert.Equal(want.GetProperty("bads").EnumerateArray().Select(b => b.GetString()), rec.Bads);
        Assert.Equal(want.GetProperty("highpass").GetDouble(), rec.Highpass);
        Assert.Equal(want.GetProperty("lowpass").GetDouble(), rec.Lowpass);
        Assert.Equal(want.GetProperty("comp_grade").ValueKind == JsonValueKind.Null ? null : want.GetProperty("comp_grade").GetInt32(), rec.CompGrade);
        Assert.Equal(want.GetProperty("n_comps").GetInt32(), rec.NComps);
        Assert.Equal(want.GetProperty("maxshield").GetBoolean(), rec.MaxShield);

        double sum = 0, sumAbs = 0;
        foreach (var block in rec.Blocks(blockSize: 777))
            foreach (double v in block.Data.AsSpan(0, block.NChannels * block.NSamples))
            {
                sum += v;
                sumAbs += Math.Abs(v);
            }
        double wantSum = want.GetProperty("data_sum").GetDouble();
        Assert.True(Math.Abs(sum - wantSum) <= 1e-9 * sumAbs, $"data_sum {sum}, MNE {wantSum}");
    }

    [Theory]
    [MemberData(nameof(Files))]
    public void Find_events_matches_mne(string stem)
    {
        using var rec = FifRecording.Open(SharedPath(stem));
        string errorFile = GoldenPath(stem, ".events-error.txt");
        if (File.Exists(errorFile))
        {
            // MNE raises here (no stim channel, or events shorter than shortest_event): so do we, in one line.
            var ex = Assert.Throws<InvalidRecordingException>(() => StimEvents.Find(rec));
            string mne = File.ReadAllText(errorFile);
            Assert.Contains(mne.StartsWith("No stim channels", StringComparison.Ordinal) ? "no stim channels" : "shorter than shortest_event", ex.Message);
            Assert.DoesNotContain('\n', ex.Message);
            return;
        }
        var (shape, want) = Npy.Read(GoldenPath(stem, ".events.npy"));
        var events = StimEvents.Find(rec);
        Assert.Equal(shape[0], events.Count);
        for (int i = 0; i < events.Count; i++)
            Assert.Equal(((long)want[3 * i], (long)want[3 * i + 1], (long)want[3 * i + 2]), (events[i].Sample, events[i].Before, events[i].Value));
        output.WriteLine($"{Path.GetFileName(stem)}: {events.Count} events, as MNE");
    }

    [Fact]
    public void Elekta_trigger_channel_gives_162_events_and_annotations_from_the_first_sample()
    {
        using var rec = FifRecording.Open(TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif"));
        var events = StimEvents.Find(rec, ["STI101"]);
        Assert.Equal(162, events.Count);
        var annotations = StimEvents.ToAnnotations(events, rec.FirstSamp, rec.Info.Sfreq).ToList();
        Assert.Equal((events[0].Sample - 3000) / 1000.0, annotations[0].Onset);
        Assert.Equal(events[0].Value.ToString(System.Globalization.CultureInfo.InvariantCulture), annotations[0].Description);
        // The stim channel really steps up at the annotated sample.
        long at = events[5].Sample - rec.FirstSamp;
        var around = rec.ReadAll(at - 1, at + 1, [3]);
        Assert.Equal(events[5].Before, (long)around[0, 0]);
        Assert.Equal(events[5].Value, (long)around[0, 1]);
    }

    [Fact]
    public void Any_range_and_picks_equal_the_same_slice_of_a_whole_read()
    {
        // 8 buffers of 10 000 samples: ranges that start, end and straddle buffer seams.
        using var rec = FifRecording.Open(TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif"));
        var all = rec.ReadAll();
        foreach (var (start, stop) in new[] { (0L, 1L), (9_999L, 10_001L), (19_990L, 40_010L), (79_999L, 80_000L) })
        {
            var part = rec.ReadAll(start, stop, [3, 0]);
            for (int i = 0; i < stop - start; i++)
            {
                Assert.Equal(all[3, (int)(start + i)], part[0, i]);
                Assert.Equal(all[0, (int)(start + i)], part[1, i]);
            }
        }
    }

    [Fact]
    public void Channel_kinds_cover_mne_types_and_round_trip_their_names()
    {
        using var rec = SignalFormats.OpenRecording(TestPaths.Shared("meg/fif/test_ctf_comp_raw.fif"));
        Assert.Contains(rec.Info.Channels, c => c.Kind == ChannelKind.RefMeg);
        Assert.Equal("ref_meg", ChannelKind.RefMeg.MneName());
        foreach (var kind in Enum.GetValues<ChannelKind>())
            Assert.Equal(kind, ChannelKinds.Parse(kind.MneName()));
        Assert.Equal(3, ((FifRecording)rec).CompGrade);
    }

    [Fact]
    public void Int_buffers_a_data_skip_and_an_annotations_block_read_as_mne_reads_them()
    {
        // Written by MNE's own FIF writer (tools/make_fif_golden.py): int32 buffers, a one-buffer FIFF_DATA_SKIP, annotations.
        string dir = Path.Combine(TestPaths.Golden, "meg_written");
        string path = Path.Combine(dir, "elekta_skip_int_raw.fif");
        using var doc = JsonDocument.Parse(File.ReadAllText(path + ".json"));
        var want = doc.RootElement.GetProperty("mne_inspect");
        using var rec = SignalFormats.OpenRecording(path);
        Assert.Equal(want.GetProperty("n_samples").GetInt64(), rec.Info.NSamples);
        Assert.Equal(want.GetProperty("meas_date").GetString(), Neurodecode.Pipeline.Worker.Commands.InspectReport.IsoUtc(rec.Info.MeasDate!.Value));
        var annotations = want.GetProperty("annotations").EnumerateArray().ToList();
        Assert.Equal(annotations.Count, rec.Annotations.Count);
        for (int i = 0; i < annotations.Count; i++)
        {
            Assert.Equal(annotations[i].GetProperty("description").GetString(), rec.Annotations[i].Description);
            Assert.Equal(annotations[i].GetProperty("onset").GetDouble(), rec.Annotations[i].Onset, 9);
            Assert.Equal(annotations[i].GetProperty("duration").GetDouble(), rec.Annotations[i].Duration, 9);
        }
        Assert.Contains(rec.Annotations, a => a.Description == "BAD_ACQ_SKIP");
        Assert.Contains(rec.Annotations, a => a.Description == "stim:a"); // "{COLON}" restored

        var (shape, data) = Npy.Read(path + ".npy");
        var got = ((Recording)rec).ReadAll();
        Assert.Equal(shape[1], got.NSamples);
        for (int c = 0; c < got.NChannels; c++)
            for (int t = 0; t < got.NSamples; t++)
                Assert.Equal(data[c * got.NSamples + t], got[c, t]); // int32 · cal: exact; the skip reads as zeros
        Assert.Equal(0.0, got[0, 700]);
    }
}
