namespace Neurodecode.Tests.Ingest.Fif;

/// <summary>Folder discovery takes FIF raw files and leaves MNE's event and annotation files out.</summary>
public class FifDiscoveryTests
{
    [Fact]
    public void A_meg_folder_lists_its_raw_fif_files_only()
    {
        var found = Neurodecode.Ingest.Datasets.DatasetFiles.Discover([TestPaths.Shared("meg/fif")]).Select(f => f.RelativePath).ToList();
        Assert.Contains("test_elekta_3ch_raw.fif", found);
        Assert.Contains("neuromag122_test_file-raw.fif", found);
        Assert.DoesNotContain("test-eve.fif", found);
        Assert.DoesNotContain("test_raw-annot.fif", found);
        Assert.Equal(7, found.Count);
    }
}
