using Neurodecode.Ingest.Datasets;
using Neurodecode.Ingest.Formats;

namespace Neurodecode.Tests.Ingest.RoiTable;

/// <summary>ABIDE Preprocessed names carry the subject (SUB_ID, 7 digits), which subject-wise splits need.</summary>
public class AbideSubjectTests
{
    [Theory]
    [InlineData("MaxMun_a_0051318_rois_cc200.1D", "0051318")]
    [InlineData("OHSU_0050142_rois_cc200.1D", "0050142")]
    [InlineData("UCLA_1_0051201_rois_cc200.1D", "0051201")]
    public void Abide_file_names_give_the_subject(string name, string subject)
    {
        Assert.Equal((subject, null, null), RecordingNames.Parse("/data/" + name));
    }

    [Fact]
    public void An_abide_table_opens_with_its_subject()
    {
        using var rec = SignalFormats.OpenRecording(TestPaths.Shared("abide/rois_cc200/MaxMun_a_0051318_rois_cc200.1D"));
        Assert.Equal("0051318", rec.Info.Subject);
        Assert.Null(RecordingNames.Parse("/data/roi_table.csv").Subject);
    }
}
