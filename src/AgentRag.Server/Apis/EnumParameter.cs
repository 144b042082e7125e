using System.Reflection;
using System.Text.Json;
using AgentRag.Core.Serialization;
using Microsoft.AspNetCore.Mvc;

namespace AgentRag.Server.Apis;

/// <summary>
/// A query-string parameter whose value must be one of <typeparamref name="TEnum"/>'s names, read by
/// <see cref="EnumNames"/> (as JSON bodies and CLI options are). Binding never fails: an unknown value is kept as
/// <see cref="Text"/>, and the endpoint answers 400 (a validation problem naming the parameter and the allowed values)
/// before its handler runs, so a handler only sees <see cref="Value"/>. Take it as <c>EnumParameter&lt;T&gt;?</c>
/// (null when absent), directly or in an <c>[AsParameters]</c> record, on a route whose group calls
/// <see cref="EnumParameters.WithEnumParameters{TBuilder}"/>; the OpenAPI document describes it as a string enum of the
/// names (<c>OpenApiSetup</c>).
/// </summary>
public readonly record struct EnumParameter<TEnum> : IEnumParameter
    where TEnum : struct, Enum
{
    private EnumParameter(TEnum? value, string? text)
    {
        Value = value;
        Text = text;
    }

    /// <summary>The value, or null when the parameter was blank (or unknown: see <see cref="IsValid"/>).</summary>
    public TEnum? Value { get; }

    /// <summary>The text given, or null when the parameter was blank.</summary>
    public string? Text { get; }

    /// <summary>False when text was given that names no member.</summary>
    public bool IsValid => Text is null || Value is not null;

    Type IEnumParameter.EnumType => typeof(TEnum);

    /// <summary>Minimal APIs' binding method: always succeeds (see the type's remarks).</summary>
    public static bool TryParse(string? text, out EnumParameter<TEnum> result)
    {
        result = string.IsNullOrWhiteSpace(text) ? default
            : EnumNames.TryParse<TEnum>(text, out var value) ? new EnumParameter<TEnum>(value, text)
            : new EnumParameter<TEnum>(null, text);
        return true;
    }
}

/// <summary>What <see cref="EnumParameters"/> needs to know of an <see cref="EnumParameter{TEnum}"/> of any enum.</summary>
public interface IEnumParameter
{
    Type EnumType { get; }

    string? Text { get; }

    bool IsValid { get; }
}

/// <summary>The check of <see cref="EnumParameter{TEnum}"/>s.</summary>
public static class EnumParameters
{
    /// <summary>
    /// On each endpoint of <paramref name="builder"/> whose handler takes <see cref="EnumParameter{TEnum}"/>s (directly
    /// or in an <c>[AsParameters]</c> record): an endpoint filter that answers a 400 validation problem when a value names
    /// no member, and that 400 in the endpoint's metadata. Added after the group's tenant filter, it runs after it.
    /// </summary>
    public static TBuilder WithEnumParameters<TBuilder>(this TBuilder builder)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.Add(endpoint =>
        {
            if (endpoint.Metadata.OfType<MethodInfo>().FirstOrDefault() is not { } method || Readers(method) is not { Count: > 0 } readers)
            {
                return;
            }

            endpoint.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status400BadRequest, typeof(HttpValidationProblemDetails), ["application/problem+json"]));
            endpoint.FilterFactories.Add((_, next) => async invocation =>
            {
                foreach (var (index, name, read) in readers)
                {
                    if (read(invocation.Arguments[index]) is { IsValid: false } invalid)
                    {
                        var message = EnumNames.Unknown(invalid.EnumType, name, invalid.Text);
                        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [name] = [message] }, detail: message, title: "Invalid request");
                    }
                }

                return await next(invocation);
            });
        });
        return builder;
    }

    /// <summary>
    /// For each enum parameter of <paramref name="method"/>: the handler argument that holds it, the query-string name,
    /// and how to read it from that argument (itself, or a property of an <c>[AsParameters]</c> record).
    /// </summary>
    private static List<(int Index, string Name, Func<object?, IEnumParameter?> Read)> Readers(MethodInfo method)
    {
        var readers = new List<(int, string, Func<object?, IEnumParameter?>)>();
        var parameters = method.GetParameters();
        for (var i = 0; i < parameters.Length; i++)
        {
            var parameter = parameters[i];
            if (IsEnumParameter(parameter.ParameterType))
            {
                readers.Add((i, QueryName(parameter.Name!, parameter.GetCustomAttribute<FromQueryAttribute>()), argument => argument as IEnumParameter));
            }
            else if (parameter.GetCustomAttribute<AsParametersAttribute>() is not null)
            {
                foreach (var property in parameter.ParameterType.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => IsEnumParameter(p.PropertyType)))
                {
                    readers.Add((i, QueryName(property.Name, property.GetCustomAttribute<FromQueryAttribute>()), argument => argument is null ? null : property.GetValue(argument) as IEnumParameter));
                }
            }
        }

        return readers;
    }

    private static bool IsEnumParameter(Type type) =>
        (Nullable.GetUnderlyingType(type) ?? type) is { IsGenericType: true } generic && generic.GetGenericTypeDefinition() == typeof(EnumParameter<>);

    private static string QueryName(string name, FromQueryAttribute? fromQuery) =>
        fromQuery?.Name ?? JsonNamingPolicy.CamelCase.ConvertName(name);

    /// <summary>The enum whose names <paramref name="type"/> (an <see cref="EnumParameter{TEnum}"/>, or nullable one) takes, else null.</summary>
    public static Type? EnumTypeOf(Type type) =>
        IsEnumParameter(type) ? (Nullable.GetUnderlyingType(type) ?? type).GetGenericArguments()[0] : null;
}
