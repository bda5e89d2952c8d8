using System.Text.Json;

namespace Neurodecode.Tests.Worker;

/// <summary>inspect and convert reach FIF files through the format registry, with no FIF-specific code in the verbs.</summary>
public class FifCliTests
{
    private static readonly string CtfComp = TestPaths.Shared("meg/fif/test_ctf_comp_raw.fif");

    [Fact]
    public void Inspect_json_matches_mne_and_parquet_keeps_meg_kinds()
    {
        var r = Cli.Run("inspect", CtfComp, "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        using var golden = JsonDocument.Parse(File.ReadAllText(Path.Combine(TestPaths.Golden, "meg_fif", "test_ctf_comp_raw.fif.json")));
        foreach (var key in new[] { "format", "n_channels", "n_samples", "meas_date" })
            Assert.Equal(golden.RootElement.GetProperty(key).GetRawText(), doc.RootElement.GetProperty(key).GetRawText());
        Assert.Equal(golden.RootElement.GetProperty("sfreq").GetDouble(), doc.RootElement.GetProperty("sfreq").GetDouble());
        var kinds = doc.RootElement.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("kind").GetString()).ToList();
        Assert.Equal(golden.RootElement.GetProperty("channels").EnumerateArray().Select(c => c.GetProperty("kind").GetString()), kinds);
        Assert.Contains("ref_meg", kinds);

        using var tmp = TestPaths.TempDir();
        string parquet = tmp.File("ctf.parquet");
        var c = Cli.Run("convert", CtfComp, parquet);
        Assert.True(c.ExitCode == 0, c.Stderr);
        using var back = JsonDocument.Parse(Cli.Run("inspect", parquet, "--json").Stdout);
        foreach (var key in new[] { "sfreq", "n_samples", "channels", "meas_date" })
            Assert.Equal(doc.RootElement.GetProperty(key).GetRawText(), back.RootElement.GetProperty(key).GetRawText());
    }

    [Fact]
    public void Inspect_text_reports_first_samp_and_the_ctf_compensation_grade()
    {
        var r = Cli.Run("inspect", CtfComp);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith("<RawFIF | test_ctf_comp_raw.fif, 340 x 241", r.Stdout);
        Assert.Contains("comp_grade   3 (5 CTF compensation matrices)", r.Stdout);
        Assert.Contains("first_samp   0", r.Stdout);
    }

    [Fact]
    public void Inspect_events_lists_find_events_rows_as_mne()
    {
        string elekta = TestPaths.Shared("meg/fif/test_elekta_3ch_raw.fif");
        var r = Cli.Run("inspect", elekta, "--events", "--json");
        Assert.True(r.ExitCode == 0, r.Stderr);
        using var doc = JsonDocument.Parse(r.Stdout);
        var rows = doc.RootElement.GetProperty("events").EnumerateArray().Select(e => e.EnumerateArray().Select(v => v.GetInt64()).ToArray()).ToList();
        var (_, want) = Npy.Read(Path.Combine(TestPaths.Golden, "meg_fif", "test_elekta_3ch_raw.fif.events.npy"));
        Assert.Equal(want.Select(v => (long)v), rows.SelectMany(x => x));
        var text = Cli.Run("inspect", elekta, "--events");
        Assert.Contains(" events       162 (value: count 1: ", text.Stdout);
    }

    [Fact]
    public void An_events_file_is_a_one_line_error()
    {
        string events = TestPaths.Shared("meg/fif/test-eve.fif");
        var r = Cli.Run("inspect", events);
        Assert.Equal(1, r.ExitCode);
        string line = Assert.Single(r.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{events}: no measurement (FIFFB_MEAS) block: not a raw recording", line);
        Assert.Equal("", r.Stdout);
    }
}
