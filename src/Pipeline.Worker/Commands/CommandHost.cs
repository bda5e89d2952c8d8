using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Neurodecode.Ingest.Signals;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>A mistake in how the tool was called (an option, a path): printed as one line, exit code 2.</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>
/// Runs one verb inside the Generic Host: configuration (appsettings.json, NEURODECODE_ environment variables),
/// logging to stderr (stdout stays clean for JSON), and one place that turns user errors into a single line and
/// an exit code instead of a stack trace.
/// </summary>
public static class CommandHost
{
    public const int ExitOk = 0, ExitBadInput = 1, ExitUsage = 2, ExitCancelled = 130;

    /// <param name="settings">Configuration from the command line (e.g. <c>Serve:HopS</c>); they override
    /// appsettings.json and the environment.</param>
    public static async Task<int> RunAsync(string verb, Func<IServiceProvider, CancellationToken, Task<int>> work,
        CancellationToken ct, Action<IServiceCollection>? configure = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings
        {
            ContentRootPath = AppContext.BaseDirectory,
            EnvironmentName = Environments.Production,
        });
        builder.Configuration.AddEnvironmentVariables("NEURODECODE_");
        if (settings is not null)
            builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(o => o.SingleLine = true);
        // A start failure (invalid options) is reported below as one line; the host's own log of it is a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.Configure<Microsoft.Extensions.Logging.Console.ConsoleLoggerOptions>(
            o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        configure?.Invoke(builder.Services);

        using var host = builder.Build();
        try
        {
            await host.StartAsync(ct); // validates options registered with ValidateOnStart
            return await work(host.Services, ct);
        }
        catch (Exception e) when (UserError(e) is { } message)
        {
            Console.Error.WriteLine($"neurodecode {verb}: error: {message}");
            return e is UsageException or PipelineSpecException or Microsoft.Extensions.Options.OptionsValidationException ? ExitUsage : ExitBadInput;
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            Console.Error.WriteLine($"neurodecode {verb}: cancelled");
            return ExitCancelled;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    /// <summary>The one-line message for errors caused by the input or the call, null for bugs.</summary>
    private static string? UserError(Exception e) => e switch
    {
        InvalidRecordingException or UsageException or PipelineSpecException => OneLine(e.Message),
        Models.Training.TrainingDivergedException => OneLine(e.Message),
        Microsoft.Extensions.Options.OptionsValidationException v => OneLine(string.Join("; ", v.Failures)),
        UnauthorizedAccessException or IOException => OneLine(e.Message),
        _ => null,
    };

    private static string OneLine(string s) => s.ReplaceLineEndings(" ").Trim();
}
