using System.Text.Json;
using System.Text.Json.Serialization;

namespace Neurodecode.Preprocess.Steps;

/// <summary>Reads <c>"average"</c> or <c>["C3", "C4"]</c> as a list, the way MNE arguments accept a string or a list.</summary>
internal sealed class StringOrListConverter : JsonConverter<IReadOnlyList<string>>
{
    public override IReadOnlyList<string> Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? [reader.GetString()!]
            : JsonSerializer.Deserialize<string[]>(ref reader, options) ?? [];

    public override void Write(Utf8JsonWriter writer, IReadOnlyList<string> value, JsonSerializerOptions options)
    {
        if (value.Count == 1 && value[0] == "average")
            writer.WriteStringValue(value[0]);
        else
            JsonSerializer.Serialize(writer, value.ToArray(), options);
    }
}
