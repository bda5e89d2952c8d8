using System.Text.Json;

namespace Neurodecode.Tests.Worker;

/// <summary>
/// <c>parcellate</c> end to end: the Parquet ROI recording it writes is read back by <c>inspect</c> (voxel counts) and
/// flows through <c>preprocess</c> with the bundled fMRI pipelines; bad input exits 1 with one line.
/// </summary>
public class ParcellateCliTests
{
    private const string Run = "bold/haxby2001_25mm/sub001/BOLD/task001_run001/";
    private static readonly string Bold = TestPaths.Shared(Run + "bold_25mm.nii.gz");
    private static readonly string Events = TestPaths.Shared(Run + "bold_events.tsv");
    private static readonly string Hoc = TestPaths.Shared("bold/haxby2001_25mm/sub001/masks/25mm/hoc.nii.gz");

    [Fact]
    public void Parcellate_then_inspect_then_preprocess_the_haxby_blocks()
    {
        using var tmp = TestPaths.TempDir();
        string output = tmp.File("run001.parquet");
        var r = Cli.Run("parcellate", Bold, "--atlas", Hoc, "--events", Events, "-o", output);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.StartsWith($"{output}: 21 regions x 121 volumes, sfreq 0.4 Hz (TR 2.5 s), atlas on the BOLD grid", r.Stdout);
        Assert.Contains("\n17\t17\t4\n", r.Stdout);

        var inspect = Cli.Run("inspect", output, "--json");
        Assert.True(inspect.ExitCode == 0, inspect.Stderr);
        using var doc = JsonDocument.Parse(inspect.Stdout);
        var root = doc.RootElement;
        Assert.Equal(0.4, root.GetProperty("sfreq").GetDouble());
        Assert.Equal(121, root.GetProperty("n_samples").GetInt64());
        Assert.Equal("roi", root.GetProperty("channels")[0].GetProperty("kind").GetString());
        Assert.Equal(8, root.GetProperty("annotations").GetArrayLength());
        var regions = root.GetProperty("parcellation").GetProperty("regions");
        Assert.Equal(21, regions.GetArrayLength());
        Assert.Equal(("1", 5), (regions[0].GetProperty("name").GetString(), regions[0].GetProperty("voxels").GetInt32()));
        Assert.Contains("parcellation bold_25mm.nii.gz with hoc.nii.gz, voxels per region 1: 5", Cli.Run("inspect", output).Stdout);

        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "fmri-haxby-roi-blocks.json");
        var p = Cli.Run("preprocess", "--pipeline", pipeline, "--out", tmp.File("windows"), output);
        Assert.True(p.ExitCode == 0, p.Stderr);
        var (shape, _) = Npy.Read(tmp.File("windows/X.npy"));
        Assert.Equal([8L, 21L, 8L], shape);   // one epoch per block, 21 ROIs, 8 volumes
        var (_, y) = Npy.Read(tmp.File("windows/y.npy"));
        Assert.Equal([4, 0, 2, 5, 1, 7, 3, 6], y);   // scissors, face, cat, shoe, house, scrambledpix, bottle, chair
    }

    [Fact]
    public void Abide_windows_pipeline_runs_on_a_roi_table()
    {
        using var tmp = TestPaths.TempDir();
        string pipeline = Path.Combine(TestPaths.RepoRoot, "datasets", "pipelines", "fmri-abide-roi-windows.json");
        var p = Cli.Run("preprocess", "--pipeline", pipeline, "--out", tmp.File("w"),
            TestPaths.Shared("abide/rois_cc200/OHSU_0050143_rois_cc200.1D"));
        Assert.True(p.ExitCode == 0, p.Stderr);
        var (shape, _) = Npy.Read(tmp.File("w/X.npy"));
        Assert.Equal([4L, 200L, 30L], shape);   // 78 volumes: windows at 0, 15, 30, 45
    }

    [Theory]
    [InlineData("anatomy", "is a 3-D image (shape (6, 10, 10)); parcellation needs a 4-D BOLD series")]
    [InlineData("4d-atlas", "a label atlas is one 3-D volume")]
    public void Bad_input_exits_1_with_one_line(string which, string problem)
    {
        using var tmp = TestPaths.TempDir();
        string anatomy = TestPaths.Shared("bold/haxby2001_25mm/sub001/anatomy/lowres001.nii.gz");
        string maps = TestPaths.Shared("bold/atlases/abide_pcp/PNAS_Smith09_rsn10.nii.gz");
        var (bold, atlas) = which == "anatomy" ? (anatomy, Hoc) : (maps, maps);
        var r = Cli.Run("parcellate", bold, "--atlas", atlas, "-o", tmp.File("x.parquet"));
        Assert.Equal(1, r.ExitCode);
        Assert.StartsWith("neurodecode parcellate: error: ", r.Stderr);
        Assert.Contains(problem, r.Stderr);
        Assert.Single(r.Stderr.TrimEnd('\n').Split('\n'));
        Assert.False(File.Exists(tmp.File("x.parquet")));
    }

    [Fact]
    public void An_events_file_without_trial_type_is_bad_input()
    {
        using var tmp = TestPaths.TempDir();
        string events = tmp.File("events.tsv");
        File.WriteAllLines(events, File.ReadAllLines(Events).Select(l => string.Join('\t', l.Split('\t').Take(2))));
        var r = Cli.Run("parcellate", Bold, "--atlas", Hoc, "--events", events, "-o", tmp.File("x.parquet"));
        Assert.Equal(1, r.ExitCode);
        Assert.Contains($"{events}: no 'trial_type' column in the header (columns: onset, duration)", r.Stderr);
    }
}
