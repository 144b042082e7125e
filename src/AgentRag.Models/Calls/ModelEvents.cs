using Microsoft.Extensions.Logging;

namespace AgentRag.Models.Calls;

/// <summary>Publishes a model event to the call's sink (if any) and logs it; a failing sink never fails the call.</summary>
internal static class ModelEvents
{
    public static async ValueTask PublishAsync(ModelCallContext context, ModelEvent modelEvent, ILogger logger, CancellationToken cancellationToken)
    {
        logger.LogWarning("{EventType}: {Message} (tenant {TenantId}, workflow {WorkflowId}, step {StepId})",
            modelEvent.Type, modelEvent.Message, context.TenantId, context.WorkflowId, context.StepId);
        if (context.Events is null)
        {
            return;
        }

        try
        {
            await context.Events.PublishAsync(modelEvent, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            logger.LogError(ex, "The model event sink failed to take {EventType}.", modelEvent.Type);
        }
    }
}
