using System.Net;
using Microsoft.Extensions.Options;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>
/// The <c>Serve</c> section: appsettings.json, then NEURODECODE_Serve__* environment variables, then the command line
/// (<c>--model</c>, <c>--listen</c>, <c>--hop</c>). Checked at start by <see cref="ServeOptionsValidator"/>.
/// </summary>
public sealed record ServeOptions
{
    public const string Section = "Serve";

    /// <summary>A model folder written by <c>neurodecode train</c>.</summary>
    public string Model { get; set; } = "";

    /// <summary>Address and port to listen on; loopback unless told otherwise (port 0 = any free port).</summary>
    public string Listen { get; set; } = "127.0.0.1:7878";

    /// <summary>Seconds between the ends of consecutive windows.</summary>
    public double HopS { get; set; } = 0.25;

    /// <summary>Largest frame accepted, in samples per channel; a larger one closes the connection.</summary>
    public int MaxSamplesPerFrame { get; set; } = 16384;

    /// <summary>Largest header line accepted, in bytes.</summary>
    public int MaxHeaderBytes { get; set; } = 1 << 16;

    /// <summary>Windows waiting for decoding or sending, per client; beyond this the oldest is dropped and counted
    /// (4 windows at a 0.25-s hop: answers are never more than about a second stale).</summary>
    public int PendingWindows { get; set; } = 4;

    /// <summary>Model instances decoding in parallel (0 = one per core).</summary>
    public int Workers { get; set; }

    /// <summary>Intra-op threads for torch models: 1 keeps one decode per core, which is best for latency.</summary>
    public int TorchThreads { get; set; } = 1;

    /// <summary>Socket send buffer per client in bytes (0 = the OS default); small values make a stalled client drop
    /// windows sooner instead of parking them in the kernel.</summary>
    public int SendBufferBytes { get; set; }

    public IPEndPoint Endpoint => IPEndPoint.Parse(Listen);

    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;
}

public sealed class ServeOptionsValidator : IValidateOptions<ServeOptions>
{
    public ValidateOptionsResult Validate(string? name, ServeOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Model))
            errors.Add("Serve:Model (--model) is required");
        else if (!File.Exists(Path.Combine(o.Model, "config.json")))
            errors.Add($"Serve:Model: {o.Model} is not a model folder (no config.json; `neurodecode train` writes one)");
        if (!IPEndPoint.TryParse(o.Listen, out var ep) || ep.Port < 0 || !o.Listen.Contains(':'))
            errors.Add($"Serve:Listen (--listen): '{o.Listen}' is not ADDRESS:PORT");
        if (!(o.HopS > 0) || double.IsInfinity(o.HopS))
            errors.Add($"Serve:HopS (--hop): {o.HopS} must be a positive number of seconds");
        if (o.MaxSamplesPerFrame < 1) errors.Add($"Serve:MaxSamplesPerFrame: {o.MaxSamplesPerFrame} must be >= 1");
        if (o.MaxHeaderBytes < 64) errors.Add($"Serve:MaxHeaderBytes: {o.MaxHeaderBytes} must be >= 64");
        if (o.PendingWindows < 1) errors.Add($"Serve:PendingWindows: {o.PendingWindows} must be >= 1");
        if (o.Workers < 0) errors.Add($"Serve:Workers: {o.Workers} must be >= 0 (0 = one per core)");
        if (o.TorchThreads < 1) errors.Add($"Serve:TorchThreads: {o.TorchThreads} must be >= 1");
        if (o.SendBufferBytes < 0) errors.Add($"Serve:SendBufferBytes: {o.SendBufferBytes} must be >= 0");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
