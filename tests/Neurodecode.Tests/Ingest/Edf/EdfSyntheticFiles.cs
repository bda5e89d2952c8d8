namespace Neurodecode.Tests.Ingest.Edf;

/// <summary>
/// Small synthetic EDF+ files for what no fixture covers. The expected values in the tests were obtained once by
/// reading these exact bytes with MNE 1.3 (<c>read_raw_edf(preload=True)</c>).
/// </summary>
internal static class EdfSyntheticFiles
{
    /// <summary>
    /// Two annotation signals (first and last), one data signal, 3 records of 1 s: overlapping annotations, several
    /// texts in one TAL, UTF-8 text, a later time-keeping TAL, one annotation clipped at the end and one past it.
    /// </summary>
    public static byte[] TwoAnnotationSignals() => EdfTestFiles.Write(
        [new("EDF Annotations", 30), new("Fz", 10), new("EDF Annotations", 30)],
        records: 3,
        sample: (r, s, i) => 100 * r + 10 * i - 50,
        tal: (r, s) => (r, s) switch
        {
            (0, 0) => "+0.5\u0014\u0014\0+0.75\u0014A\u0014\0",
            (0, 2) => "+1.5\u00152\u0014B\u0014C\u0014\0",
            (1, 0) => "+1.5\u0014\u0014\0+2\u00150.25\u0014\u00C4\u4EF0\u0014\0",
            (1, 2) => "+0.5\u0014D\u0014\0",
            (2, 0) => "+2.5\u0014\u0014\0",
            (2, 2) => "+3.4\u00151\u0014E\u0014\0+9\u0014F\u0014\0",
            _ => "",
        });

    /// <summary>
    /// Mixed rates and degenerate scaling: Fz 8 samples/record, a slower Status (3), a slower data signal Cz (4,
    /// FFT-resampled per record), a flat signal with digital min = max and one with physical min = max; 3 records of 2 s.
    /// </summary>
    public static byte[] MixedRates() => EdfTestFiles.Write(
        [
            new("Fz", 8),
            new("Status", 3, Unit: "", PhysicalMin: 0, PhysicalMax: 255, DigitalMin: 0, DigitalMax: 255),
            new("Cz", 4, Unit: "mV", PhysicalMin: -1, PhysicalMax: 1, DigitalMin: -1000, DigitalMax: 1000),
            new("Flat", 8, DigitalMin: 0, DigitalMax: 0),
            new("Same", 8, Unit: "V", PhysicalMin: 5, PhysicalMax: 5),
            new("EDF Annotations", 15),
        ],
        records: 3, recordDuration: 2,
        sample: (r, s, i) => s switch
        {
            0 => (r * 8 + i) * 37 % 200 - 100,
            1 => (r * 3 + i) % 4 * 3,
            2 => (r * 4 + i) * 271 % 1000 - 500,
            3 => i - 4,
            _ => 2 * i - r,
        },
        tal: (r, _) => $"+{2 * r}\u0014\u0014\0");
}
