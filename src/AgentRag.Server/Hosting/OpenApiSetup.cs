using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using AgentRag.Core.Serialization;
using AgentRag.Server.Apis;
using AgentRag.Server.Streaming;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace AgentRag.Server.Hosting;

/// <summary>
/// The OpenAPI document at <c>/openapi/v1.json</c>: the generated description of every mapped route, plus what the
/// generator cannot see: the <c>X-Tenant-ID</c> header that <see cref="TenantEndpointFilter"/> reads on every
/// <c>/v1</c> route, the credentials (a bearer API key or JWT, or <c>X-API-Key</c>; none in open mode), maps of arbitrary JSON values, and the title. Bodies
/// the handlers read themselves declare their type where the route is mapped (<c>.Accepts&lt;T&gt;</c>, or
/// <c>AcceptsFiles</c> for a multipart upload). An enum query parameter (<see cref="EnumParameter{TEnum}"/>) is described
/// as a string enum of the names <see cref="EnumNames"/> reads.
/// </summary>
public static class OpenApiSetup
{
    private const string BearerScheme = "bearer";
    private const string ApiKeyScheme = "apiKey";

    public static IServiceCollection AddAgentRagOpenApi(this IServiceCollection services) =>
        services.AddOpenApi(options =>
        {
            options.AddDocumentTransformer((document, _, _) =>
            {
                document.Info.Title = "AgentRag";
                document.Info.Description =
                    "Multi-agent retrieval-augmented generation: upload documents, search them, and ask questions answered with citations. "
                    + "Errors are RFC 9457 problem details. Every /v1 route serves the tenant of the caller's credential; X-Tenant-ID names another tenant for a platform administrator (or anyone in open mode).";

                // A bearer API key or JWT, or an X-API-Key header; the empty requirement is open mode (loopback only).
                document.Components ??= new OpenApiComponents();
                document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
                {
                    [BearerScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.Http,
                        Scheme = "bearer",
                        Description = "An API key (ark_…) or a JWT from the configured identity provider: Authorization: Bearer <credential>.",
                    },
                    [ApiKeyScheme] = new OpenApiSecurityScheme
                    {
                        Type = SecuritySchemeType.ApiKey,
                        In = ParameterLocation.Header,
                        Name = Security.AgentRagAuthenticationHandler.ApiKeyHeader,
                        Description = "An API key (ark_…).",
                    },
                };
                document.Security =
                [
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] },
                    new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiKeyScheme, document)] = [] },
                    new OpenApiSecurityRequirement(),
                ];
                foreach (var server in document.Servers ?? [])
                {
                    server.Url = server.Url?.TrimEnd('/');
                }

                return Task.CompletedTask;
            });
            // An enum query parameter (EnumParameter<T>) is a string that must be one of T's names, described inline.
            options.CreateSchemaReferenceId = type =>
                EnumParameters.EnumTypeOf(type.Type) is null ? OpenApiOptions.CreateDefaultSchemaReferenceId(type) : null;
            options.AddSchemaTransformer((schema, context, _) =>
            {
                if (EnumParameters.EnumTypeOf(context.JsonTypeInfo.Type) is { } enumType)
                {
                    schema.Type = JsonSchemaType.String;
                    schema.Properties = null;
                    schema.Required = null;
                    schema.Enum = [.. EnumNames.All(enumType).Select(name => (JsonNode)JsonValue.Create(name))];
                    return Task.CompletedTask;
                }

                // A map of arbitrary JSON values (e.g. an approval's modified step inputs): the generator leaves out
                // additionalProperties, which reads as "no members allowed".
                if (context.JsonTypeInfo is { Kind: JsonTypeInfoKind.Dictionary } info && info.ElementType == typeof(JsonElement) && schema.AdditionalProperties is null)
                {
                    schema.AdditionalProperties = new OpenApiSchema();
                }

                return Task.CompletedTask;
            });
            options.AddOperationTransformer((operation, context, _) =>
            {
                if (context.Description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) == true)
                {
                    operation.Parameters ??= [];
                    operation.Parameters.Add(new OpenApiParameter
                    {
                        Name = TenantEndpointFilter.HeaderName,
                        In = ParameterLocation.Header,
                        Required = false,
                        Description = "Act for this tenant: for a platform administrator, or in open mode (default: the credential's tenant). Another tenant's id from an ordinary credential is refused with 403, a malformed id with 400.",
                        Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = 64 },
                    });
                }

                return Task.CompletedTask;
            });
            options.AddEventStreamSchemas();
        });

    /// <summary>
    /// Describes a multipart upload body: <paramref name="field"/> is an array of files (one part per file).
    /// </summary>
    public static TBuilder AcceptsFiles<TBuilder>(this TBuilder builder, string field)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = $"One multipart part per file, each with a file name (field name '{field}').",
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["multipart/form-data"] = new()
                    {
                        Schema = new OpenApiSchema
                        {
                            Type = JsonSchemaType.Object,
                            Required = new HashSet<string> { field },
                            Properties = new Dictionary<string, IOpenApiSchema>
                            {
                                [field] = new OpenApiSchema
                                {
                                    Type = JsonSchemaType.Array,
                                    Items = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" },
                                },
                            },
                        },
                    },
                },
            };
            return Task.CompletedTask;
        });

    /// <summary>
    /// Describes a raw binary body of one of <paramref name="contentTypes"/> (an image upload). Unlike <c>Accepts</c>, it
    /// adds no content-type matching to routing, so the handler answers a wrong type with its own 415 problem.
    /// </summary>
    public static TBuilder AcceptsBinary<TBuilder>(this TBuilder builder, params string[] contentTypes)
        where TBuilder : IEndpointConventionBuilder =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = contentTypes.ToDictionary(
                    type => type,
                    _ => new OpenApiMediaType { Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary" } }),
            };
            return Task.CompletedTask;
        });
}
