using System.Text;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Edf;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Tests.Ingest.Edf;

/// <summary>
/// Damaged copies of real files: each gives one <see cref="InvalidRecordingException"/> line that starts with the
/// path and names the field and the problem, or (where MNE only warns) a readable recording with a warning.
/// </summary>
public class EdfInvalidInputTests
{
    private const int Ns = 65; // S001R04: 64 EEG + annotations

    private static string DamagedCopy(TempDir tmp, Action<byte[]> damage, string name = "damaged.edf", int? length = null)
    {
        var bytes = File.ReadAllBytes(EdfTestFiles.Eegmmidb("S001R04.edf"));
        damage(bytes);
        string path = tmp.File(name);
        File.WriteAllBytes(path, length is { } n ? bytes[..n] : bytes);
        return path;
    }

    private static InvalidRecordingException AssertInvalid(string path, params string[] problem)
    {
        var e = Assert.Throws<InvalidRecordingException>(() =>
        {
            using var rec = SignalFormats.OpenRecording(path);
            rec.ReadBlocks().ToBlockingEnumerable().Count();
        });
        Assert.StartsWith(path + ": ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
        foreach (var p in problem)
            Assert.Contains(p, e.Message);
        return e;
    }

    [Fact]
    public void Truncated_inside_the_first_record()
    {
        using var tmp = TestPaths.TempDir();
        string path = DamagedCopy(tmp, _ => { }, length: EdfTestFiles.EegmmidbHeaderBytes + EdfTestFiles.EegmmidbRecordBytes / 2);
        AssertInvalid(path, "no complete data record", "truncated");
    }

    [Fact]
    public void Truncated_inside_the_header()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, _ => { }, length: 1000), "fewer than its 16896-byte header");
        AssertInvalid(DamagedCopy(tmp, _ => { }, "tiny.edf", length: 100), "fewer than the 256-byte EDF header");
    }

    [Fact]
    public void Truncated_inside_a_later_record_keeps_the_complete_records_as_mne_does()
    {
        using var tmp = TestPaths.TempDir();
        string path = DamagedCopy(tmp, _ => { }, length: EdfTestFiles.EegmmidbHeaderBytes + 7 * EdfTestFiles.EegmmidbRecordBytes / 2);
        using var rec = (EdfReader)SignalFormats.OpenRecording(path);
        Assert.Equal(3 * 160, rec.Info.NSamples);
        Assert.Contains(rec.Warnings, w => w.Contains("number of records = 125 in the header but the file size gives 3"));
        Assert.Equal(3 * 160, rec.ReadAll().NSamples);
    }

    [Fact]
    public void Number_of_records_minus_one_is_taken_from_the_file_size()
    {
        using var tmp = TestPaths.TempDir();
        string path = DamagedCopy(tmp, b => EdfTestFiles.Patch(b, 236, "-1", 8));
        using var rec = (EdfReader)SignalFormats.OpenRecording(path);
        Assert.Equal(20000, rec.Info.NSamples);
        Assert.Single(rec.Warnings);
    }

    [Fact]
    public void Garbage_in_the_number_of_records()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, 236, "abc", 8)), "number of records = 'abc' (expected an integer)");
    }

    [Fact]
    public void Header_size_disagreeing_with_the_number_of_signals()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, 184, "16640", 8)),
            "header bytes = 16640 (expected 256 * (1 + 65 signals) = 16896)");
    }

    [Fact]
    public void Zero_signals()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, 252, "0", 4)), "number of signals = 0 (expected > 0)");
    }

    [Fact]
    public void Zero_samples_per_record()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, EdfTestFiles.SignalField(Ns, 2, 216, 8), "0", 8)),
            "signal 3 'Fc1.': samples per record = 0 (expected > 0)");
    }

    [Fact]
    public void Non_numeric_physical_minimum()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, EdfTestFiles.SignalField(Ns, 0, 104, 8), "-8O92", 8)),
            "signal 1 'Fc5.': physical minimum = '-8O92' (expected a number)");
    }

    [Fact]
    public void Unreadable_start_time()
    {
        using var tmp = TestPaths.TempDir();
        AssertInvalid(DamagedCopy(tmp, b => EdfTestFiles.Patch(b, 176, "16:15:00", 8)), "start time = '16:15:00' (expected hh.mm.ss)");
    }

    [Fact]
    public void Annotation_text_that_is_not_utf8()
    {
        using var tmp = TestPaths.TempDir();
        // The first TAL of record 0 starts right after the 64 x 160 samples: "+0\x14\x14\0+0\x14T0..." -> break the T.
        int tal = EdfTestFiles.EegmmidbHeaderBytes + 64 * 160 * 2;
        string path = DamagedCopy(tmp, b => b[Array.IndexOf(b, (byte)'T', tal)] = 0xFF);
        AssertInvalid(path, "EDF Annotations", "not valid UTF-8");
    }

    [Fact]
    public void Annotation_signal_only_hypnogram()
    {
        string path = EdfTestFiles.Invalid("SC4001EC-Hypnogram.edf");
        AssertInvalid(path, "no data signals (only EDF Annotations)");
    }

    [Fact]
    public void Not_an_edf_file_at_all()
    {
        using var tmp = TestPaths.TempDir();
        string path = tmp.File("notes.edf");
        File.WriteAllText(path, "these are not the samples you are looking for");
        AssertInvalid(path, "unknown file format");
    }

    /// <summary>Random damage to the header of a real file never escapes as anything but InvalidRecordingException.</summary>
    [Fact]
    public void Random_header_damage_gives_a_clean_error_or_a_readable_file()
    {
        using var tmp = TestPaths.TempDir();
        var original = File.ReadAllBytes(EdfTestFiles.Edf("test_reduced.edf"));
        int headerBytes = 256 * 141;
        var rng = new Random(1234);
        byte[] alphabet = Encoding.ASCII.GetBytes("0123456789 .-+eE,x\0");
        for (int trial = 0; trial < 150; trial++)
        {
            var bytes = (byte[])original.Clone();
            for (int k = rng.Next(1, 6); k > 0; k--)
            {
                int at = rng.Next(trial % 2 == 0 ? 256 : 8, trial % 2 == 0 ? headerBytes : 256);
                bytes[at] = alphabet[rng.Next(alphabet.Length)];
            }
            int length = trial % 7 == 0 ? rng.Next(headerBytes - 300, bytes.Length) : bytes.Length;
            string path = tmp.File($"fuzz{trial}.edf");
            File.WriteAllBytes(path, bytes[..length]);
            try
            {
                using var rec = SignalFormats.OpenRecording(path);
                rec.ReadAll(0, Math.Min(rec.Info.NSamples, 2000));
            }
            catch (InvalidRecordingException e)
            {
                Assert.StartsWith(path + ": ", e.Message);
                Assert.DoesNotContain('\n', e.Message);
            }
            File.Delete(path);
        }
    }
}
