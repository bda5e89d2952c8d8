using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Neurodecode.Models.Registry;

namespace Neurodecode.Pipeline.Worker.Commands;

/// <summary><c>neurodecode models [--json]</c>: every registered model with its parameter count in its reference configuration.</summary>
public static class ModelsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "print a JSON list" };
        var command = new Command("models", "list the models, with parameters in their reference configuration") { json };
        command.SetAction((parse, ct) => CommandHost.RunAsync("models", (_, _) =>
        {
            var rows = ModelRegistry.All.Select(Describe).ToList();
            if (parse.GetValue(json))
                Console.Out.WriteLine(new JsonArray(rows.Select(r => (JsonNode)r).ToArray()).ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            else
            {
                int width = rows.Max(r => r["name"]!.GetValue<string>().Length);   // the longest name sets the column
                foreach (var r in rows)
                    Console.Out.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0} {1,12:N0} parameters  {2}",
                        r["name"]!.GetValue<string>().PadRight(width), r["parameters"]!.GetValue<long>(), r["summary"]));
            }
            return Task.FromResult(CommandHost.ExitOk);
        }, ct));
        return command;
    }

    private static JsonObject Describe(ModelEntry entry)
    {
        var config = entry.ReferenceConfig();
        using var model = entry.Create(config);
        return new JsonObject
        {
            ["name"] = entry.Name,
            ["summary"] = entry.Summary,
            ["parameters"] = model.ParameterCount,
            ["reference_config"] = JsonSerializer.SerializeToNode(config, config.GetType(), new JsonSerializerOptions { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower }),
        };
    }
}
