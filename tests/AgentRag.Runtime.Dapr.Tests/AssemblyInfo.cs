// Each test class runs its own sidecar double and app on loopback ports; run them one at a time so the Dapr SDK's
// process-wide settings (its actor runtime's sidecar endpoint) never belong to two doubles at once.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
