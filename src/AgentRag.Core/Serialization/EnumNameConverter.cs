using System.Text.Json;
using System.Text.Json.Serialization;

namespace AgentRag.Core.Serialization;

/// <summary>
/// Reads and writes enums by <see cref="EnumNames"/>: the request bodies of AgentRag's own routes read enum fields with
/// the same rules as query strings and CLI options. A string that names no member throws
/// <see cref="UnknownEnumValueException"/> (with the text, so the error can say what was given); any other token a
/// plain <see cref="JsonException"/>.
/// </summary>
public sealed class EnumNameConverter : JsonConverterFactory
{
    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Converter<>).MakeGenericType(typeToConvert))!;

    private sealed class Converter<TEnum> : JsonConverter<TEnum>
        where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
            {
                throw new JsonException();
            }

            var text = reader.GetString();
            return EnumNames.TryParse<TEnum>(text, out var value) ? value : throw new UnknownEnumValueException(typeof(TEnum), text ?? "");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options) =>
            writer.WriteStringValue(EnumNames.Of(value));
    }
}

/// <summary>A JSON string that names no member of <see cref="EnumType"/> (thrown by <see cref="EnumNameConverter"/>).</summary>
public sealed class UnknownEnumValueException(Type enumType, string value)
    : JsonException($"'{value}' is not one of: {string.Join(", ", EnumNames.All(enumType))}.")
{
    public Type EnumType { get; } = enumType;

    /// <summary>The text that was given.</summary>
    public string Value { get; } = value;
}
