using Neurodecode.Ingest.Numerics;

namespace Neurodecode.Tests.Ingest.Numerics;

/// <summary><see cref="FourierResample"/> against <c>mne.filter.resample(npad=0)</c> (MNE 1.3) on small known cases;
/// the EDF and GDF readers use it per data record. Padded cases are in <c>Preprocess.ResampleTests</c>.</summary>
public class FourierResampleTests
{
    /// <summary>want[i] = got[at[i]] to 1e-12 (at: every index by default).</summary>
    internal static void AssertClose(double[] want, ReadOnlySpan<double> got, int[]? at = null)
    {
        at ??= Enumerable.Range(0, want.Length).ToArray();
        Assert.Equal(want.Length, at.Length);
        for (int i = 0; i < at.Length; i++)
            Assert.True(Math.Abs(want[i] - got[at[i]]) <= 1e-12, $"sample {at[i]}: got {got[at[i]]}, MNE {want[i]}");
    }

    [Fact]
    public void Upsampling_an_odd_length_record()
    {
        // mne.filter.resample([1, 2, -1, 0.5, 3], 8, 5, npad=0)
        var y = FourierResample.Resample([1, 2, -1, 0.5, 3], 8, 5);
        AssertClose([1, 1.7514152588950247, 1.646743629731339, -0.5881663937991346, -1.3596747752497689,
            1.119624358825181, 3.11293114551843, 2.117126776078929], y);
    }

    [Fact]
    public void Downsampling_doubles_the_new_nyquist_bin()
    {
        // mne.filter.resample([0, 1, 0, -1, 2, 1], 4, 6, npad=0)
        var y = FourierResample.Resample([0, 1, 0, -1, 2, 1], 4, 6);
        AssertClose([-0.16666666666666674, 0.9226497308103743, -0.8333333333333333, 2.0773502691896257], y);
    }

    [Fact]
    public void Upsampling_an_even_length_record_halves_its_nyquist_bin()
    {
        // mne.filter.resample([0, 1, 0, -1, 2, 1], 3, 1, npad=0)
        var y = FourierResample.Resample([0, 1, 0, -1, 2, 1], 3, 1);
        AssertClose([-9.8686491077791687e-17, 3.0416794147658838e-01, 6.9583205852341157e-01, 1.0, 1.0431284138572721,
            6.9909878511128676e-01, 0, -7.8535561282583144e-01, -1.2311876713492429, -9.9999999999999978e-01,
            -9.4029628745985208e-02, 1.0940296287459854, 2.0, 2.2311876713492431, 1.7853556128258310,
            9.9999999999999978e-01, 3.0090121488871302e-01, -4.3128413857272382e-02], y);
    }

    [Fact]
    public void Output_length_rounds_half_to_even()
    {
        Assert.Equal(2, FourierResample.OutputLength(5, 1, 2));   // round(2.5) = 2
        Assert.Equal(4, FourierResample.OutputLength(7, 1, 2));   // round(3.5) = 4
        Assert.Equal(1, FourierResample.OutputLength(1, 1, 10));  // never empty
    }
}
