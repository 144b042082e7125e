using System.ComponentModel.DataAnnotations;

namespace AgentRag.Ingestion.Extraction;

/// <summary>Runs data-annotation validation outside the options pipeline, for classes constructed directly.</summary>
internal static class OptionsValidation
{
    public static void ThrowIfInvalid(object options)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            throw new ArgumentException(string.Join(" ", results.Select(r => r.ErrorMessage)), nameof(options));
        }
    }
}
