using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Ingest.Signals;

namespace Neurodecode.Ingest.Formats.Parquet;

/// <summary>
/// The JSON stored under <c>neurodecode.recording</c>: the source's <see cref="RecordingInfo"/> without its samples.
/// Property names are MNE's, in snake_case (<c>sfreq</c>, <c>n_samples</c>, <c>meas_date</c>). Unknown values are
/// written as null so every key is always present; a reader treats a missing optional key as null.
/// </summary>
internal sealed record ParquetRecordingMetadata(
    string SourceFormat,
    double Sfreq,
    long NSamples,
    IReadOnlyList<ParquetChannelMetadata> Channels,
    DateTimeOffset? MeasDate = null,
    string? SourceFile = null,
    string? Subject = null,
    string? Session = null,
    string? Run = null)
{
    public static ParquetRecordingMetadata From(RecordingInfo info) => new(
        info.Format,
        info.Sfreq,
        info.NSamples,
        info.Channels.Select(ParquetChannelMetadata.From).ToArray(),
        info.MeasDate,
        string.IsNullOrEmpty(info.SourcePath) ? null : Path.GetFileName(info.SourcePath),
        info.Subject,
        info.Session,
        info.Run);
}

/// <summary>One channel: <c>kind</c> is MNE's channel type name ("eeg", "stim" ...).</summary>
internal sealed record ParquetChannelMetadata(
    string Name,
    string Kind,
    string Unit,
    double Sfreq,
    string? OrigUnit = null,
    double? PhysicalMin = null,
    double? PhysicalMax = null)
{
    public static ParquetChannelMetadata From(ChannelInfo c) =>
        new(c.Name, c.Kind.MneName(), c.Unit, c.Sfreq, c.OrigUnit, c.PhysicalMin, c.PhysicalMax);

    public ChannelInfo ToChannelInfo() =>
        new(Name, ChannelKinds.Parse(Kind), Unit, Sfreq, OrigUnit, PhysicalMin, PhysicalMax);
}

/// <summary>One entry of <c>neurodecode.annotations</c>, as MNE's <c>raw.annotations</c> holds it.</summary>
internal sealed record ParquetAnnotationMetadata(double Onset, double Duration, string Description);

internal static class ParquetJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    public static string Recording(RecordingInfo info) =>
        JsonSerializer.Serialize(ParquetRecordingMetadata.From(info), Options);

    public static string Annotations(IEnumerable<Annotation> annotations) =>
        JsonSerializer.Serialize(
            annotations.Select(a => new ParquetAnnotationMetadata(a.Onset, a.Duration, a.Description)).ToArray(),
            Options);
}
