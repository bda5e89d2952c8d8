using System.CommandLine;
using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Neurodecode.Pipeline.Worker.Live;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary>
/// <c>neurodecode serve --model MODELDIR [--listen 127.0.0.1:PORT] [--hop 0.25]</c>: the near-real-time decoding daemon
/// (protocol in the README). Options come from the <c>Serve</c> section of appsettings.json, NEURODECODE_Serve__*
/// environment variables and these flags, validated before the model loads; Ctrl-C or SIGTERM closes every connection
/// and exits 0.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var model = new Option<string>("--model") { Description = "a model folder written by `neurodecode train` (Serve:Model)" };
        var listen = new Option<string>("--listen") { Description = "ADDRESS:PORT to listen on (Serve:Listen, default 127.0.0.1:7878)" };
        var hop = new Option<double?>("--hop") { Description = "seconds between decoded windows (Serve:HopS, default 0.25)" };
        var command = new Command("serve", "decode live streams over TCP with a trained model") { model, listen, hop };
        command.SetAction((parse, ct) =>
        {
            var settings = new Dictionary<string, string?>();
            if (parse.GetValue(model) is { } m) settings["Serve:Model"] = m;
            if (parse.GetValue(listen) is { } l) settings["Serve:Listen"] = l;
            if (parse.GetValue(hop) is { } h) settings["Serve:HopS"] = h.ToString("R", CultureInfo.InvariantCulture);
            return CommandHost.RunAsync("serve", RunAsync, ct, AddServe, settings);
        });
        return command;
    }

    public static void AddServe(IServiceCollection services)
    {
        services.AddOptions<ServeOptions>().BindConfiguration(ServeOptions.Section).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ServeOptions>, ServeOptionsValidator>();
    }

    private static async Task<int> RunAsync(IServiceProvider services, CancellationToken ct)
    {
        var options = services.GetRequiredService<IOptions<ServeOptions>>().Value;
        var logger = services.GetRequiredService<ILogger<ServeDaemon>>();
        // Ctrl-C reaches us through the command line's token, SIGTERM through the host's lifetime.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
        using var live = LiveModel.Load(options.Model, options.EffectiveWorkers, options.TorchThreads);
        await using var daemon = new ServeDaemon(live, options, logger);
        daemon.Start();
        await daemon.RunAsync(stop.Token);
        return CommandHost.ExitOk;
    }
}
