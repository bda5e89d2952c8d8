using System.Text.Json;

namespace Neurodecode.Pipeline.Worker.Live;

/// <summary>Something a client sent that breaks the protocol: answered (when possible) with one JSON error line, then
/// that connection is closed.</summary>
public sealed class ProtocolException(string message) : Exception(message);

/// <summary>
/// The first line a client sends: <c>{"channels": [names], "sfreq": 160, "unit": "V"}</c> to stream, or
/// <c>{"command": "status"}</c> for one status line. Unknown keys are refused, as in pipeline specs.
/// </summary>
public sealed record StreamHeader(IReadOnlyList<string> Channels, double Sfreq, string Unit, bool IsStatus)
{
    /// <summary>Factor from the client's unit to volts, the unit readers give and pipelines expect.</summary>
    public double ToVolts => Unit switch { "V" => 1, "mV" => 1e-3, "uV" or "µV" => 1e-6, "nV" => 1e-9, _ => throw new InvalidOperationException() };

    public static StreamHeader Parse(string line)
    {
        JsonElement root;
        try
        {
            using var doc = JsonDocument.Parse(line);
            root = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new ProtocolException($"header is not JSON: {e.Message.Split('\n')[0]}");
        }
        if (root.ValueKind != JsonValueKind.Object)
            throw new ProtocolException("header must be a JSON object");
        foreach (var p in root.EnumerateObject())
            if (p.Name is not ("channels" or "sfreq" or "unit" or "command"))
                throw new ProtocolException($"header: unknown key '{p.Name}' (expected channels, sfreq, unit or command)");
        if (root.TryGetProperty("command", out var command))
            return command.ValueKind == JsonValueKind.String && command.GetString() == "status"
                ? new StreamHeader([], 0, "V", true)
                : throw new ProtocolException($"header: unknown command {command.GetRawText()} (known: \"status\")");

        if (!root.TryGetProperty("channels", out var channels) || channels.ValueKind != JsonValueKind.Array || channels.GetArrayLength() == 0
            || channels.EnumerateArray().Any(c => c.ValueKind != JsonValueKind.String))
            throw new ProtocolException("header: 'channels' must be a non-empty list of channel names");
        var names = channels.EnumerateArray().Select(c => c.GetString()!).ToList();
        var duplicate = names.GroupBy(n => n).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
            throw new ProtocolException($"header: channel '{duplicate.Key}' is listed twice");
        if (!root.TryGetProperty("sfreq", out var sfreq) || sfreq.ValueKind != JsonValueKind.Number || !(sfreq.GetDouble() > 0)
            || double.IsInfinity(sfreq.GetDouble()))
            throw new ProtocolException("header: 'sfreq' must be a positive number (Hz)");
        string unit = "V";
        if (root.TryGetProperty("unit", out var u))
        {
            unit = u.ValueKind == JsonValueKind.String ? u.GetString()! : "";
            if (unit is not ("V" or "mV" or "uV" or "µV" or "nV"))
                throw new ProtocolException($"header: unit {u.GetRawText()} must be V, mV, uV or nV");
        }
        return new StreamHeader(names, sfreq.GetDouble(), unit, false);
    }
}
