using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats;

/// <summary>
/// A file format: recognised from its first <see cref="HeaderSize"/> bytes (magic numbers, header fields);
/// the extension only breaks ties or names text formats that have no magic.
/// </summary>
public interface ISignalFormat
{
    /// <summary>The name <c>inspect</c> reports ("edf", "bdf", "brainvision", "gdf", "nifti" ...).</summary>
    string Name { get; }

    int HeaderSize { get; }

    bool IsMatch(ReadOnlySpan<byte> header, string path);
}

/// <summary>A format whose files are multichannel recordings.</summary>
public interface IRecordingFormat : ISignalFormat
{
    Recording Open(string path);
}

/// <summary>A format whose files are image series.</summary>
public interface IVolumeFormat : ISignalFormat
{
    IVolumeSeries Open(string path);
}
