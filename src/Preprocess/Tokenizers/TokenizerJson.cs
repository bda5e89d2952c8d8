using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neurodecode.Preprocess.Tokenizers;

/// <summary>
/// JSON for tokenizer configs and codebooks: snake_case names (<c>patch_len</c>, <c>n_clusters</c>) and enums as
/// snake_case strings, so a spec reads like the papers and MNE; unknown or mistyped properties are errors.
/// </summary>
public static class TokenizerJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false) },
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        WriteIndented = true,
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
