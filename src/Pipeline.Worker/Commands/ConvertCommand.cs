using System.CommandLine;
using Neurodecode.Ingest.Formats;
using Neurodecode.Ingest.Formats.Npy;
using Neurodecode.Ingest.Formats.Parquet;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode convert IN OUT</c>: the signals of IN as OUT.npy (float64, channels x samples in the units
/// <c>inspect</c> reports; images in x,y,z,t order) or OUT.parquet (one column per channel, metadata inside).
/// Streams block by block and writes atomically.
/// </summary>
public static class ConvertCommand
{
    public static Command Create()
    {
        var input = new Argument<string>("IN") { Description = "the recording or image to read" };
        var output = new Argument<string>("OUT") { Description = "output file: .npy or .parquet" };
        var command = new Command("convert", "write a recording's signals as NumPy .npy or Parquet") { input, output };
        command.SetAction((parse, ct) => CommandHost.RunAsync("convert", async (_, token) =>
        {
            await ConvertAsync(parse.GetRequiredValue(input), parse.GetRequiredValue(output), token);
            return CommandHost.ExitOk;
        }, ct));
        return command;
    }

    public static async Task ConvertAsync(string input, string output, CancellationToken ct)
    {
        bool npy = output.EndsWith(".npy", StringComparison.OrdinalIgnoreCase);
        bool parquet = output.EndsWith(".parquet", StringComparison.OrdinalIgnoreCase);
        if (!npy && !parquet)
            throw new UsageException($"{output}: output must end in .npy or .parquet");
        if (Path.GetFullPath(input) == Path.GetFullPath(output))
            throw new UsageException($"{output}: output would overwrite the input");

        if (SignalFormats.Detect(input) is IVolumeFormat volumes)
        {
            if (!npy)
                throw new UsageException($"{output}: images convert to .npy only");
            using var series = volumes.Open(input);
            await AtomicFile.WriteAsync(output, temp => NpyWriter.WriteAsync(series, temp, ct));
            return;
        }
        using var recording = SignalFormats.OpenRecording(input);
        await AtomicFile.WriteAsync(output, temp => npy
            ? NpyWriter.WriteAsync(recording, temp, ct)
            : ParquetSignalWriter.WriteAsync(recording, temp, ct));
    }
}
