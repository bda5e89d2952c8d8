using System.Text.Json;
using System.Text.Json.Serialization;
using Neurodecode.Preprocess.Steps;

namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>
/// JSON for tokenizer configs and codebooks: the pipeline spec's style (<see cref="PipelineJson"/>: snake_case names
/// such as <c>patch_len</c> and <c>n_clusters</c>, unknown properties refused) plus enums as snake_case strings.
/// </summary>
public static class TokenizerJson
{
    public static JsonSerializerOptions Options { get; } = new(PipelineJson.Options)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
    };

    public static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Options);

    /// <summary>Parses <paramref name="json"/>; a malformed or null document is a one-line <see cref="FormatException"/>.</summary>
    public static T Deserialize<T>(string json, string source)
    {
        try
        {
            return JsonSerializer.Deserialize<T>(json, Options)
                ?? throw new FormatException($"{source}: expected a JSON object, found null");
        }
        catch (JsonException e)
        {
            throw new FormatException($"{source}: {OneLine(e.Message)}", e);
        }
    }

    internal static string OneLine(string s) => s.ReplaceLineEndings(" ");
}
