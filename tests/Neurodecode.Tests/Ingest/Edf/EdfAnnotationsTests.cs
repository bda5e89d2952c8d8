using System.Text;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Edf;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Edf;

/// <summary>TAL parsing (<c>_read_annotations_edf</c>) and MNE's sort + crop of annotations.</summary>
public class EdfAnnotationsTests
{
    private static byte[] Tal(string text) => Encoding.UTF8.GetBytes(text);

    private static void AssertAnnotations(IReadOnlyList<Annotation> got, params (double Onset, double Duration, string Text)[] want)
    {
        Assert.Equal(want.Length, got.Count);
        for (int i = 0; i < want.Length; i++)
        {
            Assert.Equal(want[i].Text, got[i].Description);
            Assert.Equal(want[i].Onset, got[i].Onset, 12);
            Assert.Equal(want[i].Duration, got[i].Duration, 12);
        }
    }

    [Fact]
    public void First_time_keeping_onset_is_subtracted_and_later_ones_are_ignored()
    {
        var events = EdfAnnotations.ParseTal(Tal(
            "+0.3945312\u0014\u0014\0+2.3457031\u0014XLSpike\u0014\0\0\0" +
            "+1.3945312\u0014\u0014\0+3.8867187\u0014Clip Note\u0014\0"));
        AssertAnnotations(events, (2.3457031 - 0.3945312, 0, "XLSpike"), (3.8867187 - 0.3945312, 0, "Clip Note"));
    }

    [Fact]
    public void Overlapping_annotations_and_several_texts_in_one_tal()
    {
        var events = EdfAnnotations.ParseTal(Tal(
            "+0\u0014\u0014\0+1.5\u00152.5\u0014T1\u0014\0+2\u00151\u0014T2\u0014T3\u0014\0+2.5\u0014\u0014\0"));
        AssertAnnotations(events, (1.5, 2.5, "T1"), (2, 1, "T2"), (2, 1, "T3"));
    }

    [Fact]
    public void Utf8_text_is_decoded()
    {
        var events = EdfAnnotations.ParseTal(Tal("+0\u0014\u0014\0+2\u00150.5\u0014\u4EF0\u5367\u0014\0"));
        AssertAnnotations(events, (2, 0.5, "\u4EF0\u5367"));
    }

    [Fact]
    public void A_tal_without_the_closing_zero_is_not_an_annotation_and_trailing_nuls_are_dropped()
    {
        var events = EdfAnnotations.ParseTal(Tal("+0\u0014\u0014\0+1\u0014kept\0\0\u0014\0+2\u0014lost\u0014"));
        AssertAnnotations(events, (1, 0, "kept"));
    }

    [Fact]
    public void Invalid_utf8_is_refused()
    {
        Assert.Throws<DecoderFallbackException>(() => EdfAnnotations.ParseTal([.. Tal("+0\u0014\u0014\0+1\u0014"), 0xFF, .. Tal("\u0014\0")]));
    }

    [Fact]
    public void Raw_annotations_are_sorted_then_cropped_to_the_data_in_microseconds()
    {
        var events = new List<Annotation>
        {
            new(2.0, 1.0, "b"), new(-0.5, 1.0, "starts before"), new(2.0, 0.5, "a"), new(0.1234567, 0, "rounded"),
            new(9.5, 1.0, "past the end"), new(9.0, 5.0, "clipped"), new(-3, 1, "before"), new(10.0, 0, "at the end"),
            new(10.0000001, 0, "rounds to the end"), new(10.000001, 0, "after the end"),
        };
        // 10 s at 100 Hz: the data range is [0, 9.99 + 0.01]. Expected values are MNE 1.3's raw.set_annotations.
        var raw = RawAnnotations.Set(events, 1000, 100);
        AssertAnnotations(raw, (0, 0.5, "starts before"), (0.123457, 0, "rounded"), (2.0, 0.5, "a"), (2.0, 1.0, "b"),
            (9.0, 1.0, "clipped"), (9.5, 0.5, "past the end"), (10, 0, "at the end"), (10, 0, "rounds to the end"));
    }

    [Theory]
    [InlineData(0.5, 500_000)]
    [InlineData(1.0000005, 1_000_001)]   // the fraction times 1e6 is 0.500000000069889: up
    [InlineData(0.0000015, 2)]            // exact halves go to the even total, as Python's timedelta
    [InlineData(0.0000035, 4)]
    [InlineData(0.1234565, 123_456)]
    [InlineData(12.3456785, 12_345_678)]
    [InlineData(-0.25, -250_000)]
    [InlineData(1.951171875, 1_951_172)]
    public void Timedelta_rounding_matches_python(double seconds, long microseconds) =>
        Assert.Equal(microseconds, RawAnnotations.TimedeltaMicroseconds(seconds));

    [Fact]
    public void Several_annotation_signals_are_read_as_mne_concatenates_them()
    {
        // Checked against MNE 1.3 read_raw_edf on these exact bytes.
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("two_tal.edf");
        File.WriteAllBytes(path, EdfSyntheticFiles.TwoAnnotationSignals());
        using var rec = SignalFormats.OpenRecording(path);
        Assert.Equal(["Fz"], rec.Info.ChannelNames);
        AssertAnnotations(rec.Annotations, (0, 0, "D"), (0.25, 0, "A"), (1, 2, "B"), (1, 2, "C"), (1.5, 0.25, "\u00C4\u4EF0"),
            (2.9, 0.1, "E"));
    }

    [Fact]
    public void Annotations_of_real_files_with_two_annotation_signals()
    {
        using var rec = SignalFormats.OpenRecording(EdfTestFiles.Edf("edfAnnonC.edf"));
        Assert.Equal(8, rec.Annotations.Count);
        Assert.Equal(("Test1", 0.049), (rec.Annotations[0].Description, rec.Annotations[0].Onset));
        Assert.Equal(0.005, rec.Annotations.Single(a => a.Description == "Test4").Duration, 12);
    }
}
