using System.ComponentModel.DataAnnotations;
using AgentRag.Models.Budgets;
using Microsoft.Extensions.Options;

namespace AgentRag.Models.Configuration;

/// <summary>Validates <see cref="ModelsOptions"/> (with <see cref="EmbeddingsOptions"/>, which chooses the embedding profile) at startup; every failure names the setting to fix.</summary>
internal sealed class ModelsOptionsValidator(IOptions<EmbeddingsOptions>? embeddings = null) : IValidateOptions<ModelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ModelsOptions options)
    {
        var errors = new List<string>();
        var section = ModelsOptions.SectionName;
        Annotations(options, section, errors);
        Annotations(options.Resilience, section + ":Resilience", errors);
        Annotations(options.Budgets, section + ":Budgets", errors);
        Annotations(options.Cache.Embeddings, section + ":Cache:Embeddings", errors);
        Annotations(options.Cache.Responses, section + ":Cache:Responses", errors);

        var embeddingOptions = embeddings?.Value ?? new EmbeddingsOptions();
        Annotations(embeddingOptions, EmbeddingsOptions.SectionName, errors);
        var (profiles, profileErrors) = ModelProfileResolver.Resolve(options, embeddingOptions);
        errors.AddRange(profileErrors);
        if (options.Budgets.OnExceeded == BudgetExceededPolicy.Downgrade
            && !profiles.Any(p => p.Name.Equals(ModelProfileNames.Cheap, StringComparison.OrdinalIgnoreCase))
            && profileErrors.Count == 0)
        {
            errors.Add($"{section}:Budgets:OnExceeded is Downgrade but no '{ModelProfileNames.Cheap}' profile is configured: set AGENTRAG_CHEAP_MODEL or {section}:Profiles:cheap:Model.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Annotations(object value, string path, List<string> errors)
    {
        var results = new List<ValidationResult>();
        if (Validator.TryValidateObject(value, new ValidationContext(value), results, validateAllProperties: true))
        {
            return;
        }

        foreach (var result in results)
        {
            var members = string.Join(", ", result.MemberNames.Select(m => $"{path}:{m}"));
            errors.Add($"{members}: {result.ErrorMessage}");
        }
    }
}
