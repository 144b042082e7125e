using System.Text.Json.Nodes;

namespace AgentRag.Deploy.Tests;

/// <summary>
/// The Kustomize overlays (deploy/k8s): each renders with kubectl, every object validates strictly against the
/// Kubernetes schemas or Dapr's documented fields, and the rendering has what a production deployment needs.
/// </summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Overlays => new() { "dev", "cluster", "dapr" };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Render_Overlay_EveryObjectValidatesStrictly(string overlay)
    {
        var report = await Manifests.ValidatedAsync(overlay);

        report.Errors.ShouldBeEmpty();
        report.OfKind("Deployment").Count.ShouldBe(1);
        report.OfKind("Service").Count.ShouldBe(1);
        report.OfKind("NetworkPolicy").Count.ShouldBe(1);
        report.OfKind("PodDisruptionBudget").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Validate_MisspelledKubernetesField_FailsNamingIt()
    {
        var yaml = (await Manifests.RenderAsync("cluster")).Replace("readinessProbe:", "readinesProbe:", StringComparison.Ordinal);

        // kubernetes-models' schemas alone accept it: they do not forbid unknown fields.
        (await Manifests.ValidateAsync(yaml, expectValid: true, schemaOnly: true)).Errors.ShouldBeEmpty();
        var report = await Manifests.ValidateAsync(yaml, expectValid: false);

        report.Errors.ShouldBe(["Deployment agentrag: /spec/template/spec/containers/0: unknown field 'readinesProbe'"]);
    }

    [Fact]
    public async Task Validate_WrongTypeAndNestedMisspelling_FailBoth()
    {
        var yaml = (await Manifests.RenderAsync("dev"))
            .Replace("readOnlyRootFilesystem: true", "readOnlyRootFileSystem: true", StringComparison.Ordinal)
            .Replace("maxUnavailable: 1", "maxUnavailable: [1]", StringComparison.Ordinal);

        var report = await Manifests.ValidateAsync(yaml, expectValid: false);

        report.Errors.ShouldContain("Deployment agentrag: /spec/template/spec/containers/0/securityContext: unknown field 'readOnlyRootFileSystem'");
        report.Errors.ShouldContain(e => e.StartsWith("PodDisruptionBudget agentrag: /spec/maxUnavailable:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Validate_MisspelledDaprFields_FailNamingThem()
    {
        var yaml = (await Manifests.RenderAsync("dapr"))
            .Replace("maxInterval: 4s", "maxIntervall: 4s", StringComparison.Ordinal)
            .Replace("name: actorStateStore", "name: actorStatestore", StringComparison.Ordinal)
            .Replace("samplingRate:", "samplingrate:", StringComparison.Ordinal)
            .Replace("dapr.io/app-port:", "dapr.io/app-prot:", StringComparison.Ordinal)
            .Replace("circuitBreaker: afterFiveFailures\n        circuitBreakerCacheSize: 5000", "circuitBreaker: afterFiveFailure\n        circuitBreakerCacheSize: 5000", StringComparison.Ordinal);

        var report = await Manifests.ValidateAsync(yaml, expectValid: false);

        report.Errors.ShouldBe(
            [
                "Deployment agentrag: /spec/template/metadata/annotations: 'dapr.io/app-prot' is not a documented Dapr annotation",
                "Component agentrag-state: /spec/metadata/1/name: 'actorStatestore' is not a documented field of state.postgresql/v1",
                "Configuration agentrag: /spec/tracing: unknown field 'samplingrate'",
                "Resiliency agentrag: /spec/policies/retries/transient: unknown field 'maxIntervall'",
                "(references) : Resiliency agentrag actors.WorkflowActor: circuitBreaker 'afterFiveFailure' names no policy in spec.policies.circuitBreakers",
            ],
            ignoreOrder: true);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Render_Deployment_RequiresAuthWithTheMountedSecret(string overlay)
    {
        var report = await Manifests.ValidatedAsync(overlay);
        var settings = report.Single("ConfigMap", "agentrag-settings")["data"]!;
        var deployment = report.Single("Deployment", "agentrag");
        var pod = deployment["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!;

        ((string?)settings["AgentRag__Auth__Mode"]).ShouldBe("Required");
        Strings(container["args"]).ShouldContain("required");
        Strings(container["args"])[Strings(container["args"]).IndexOf("--auth") + 1].ShouldBe("required");
        container["envFrom"]!.AsArray().Select(e => (string?)e!["configMapRef"]!["name"]).ShouldContain("agentrag-settings");
        var secretVolume = pod["volumes"]!.AsArray().Single(v => v!["secret"] is not null)!;
        ((string?)secretVolume["secret"]!["secretName"]).ShouldBe("agentrag-auth");
        var mount = container["volumeMounts"]!.AsArray().Single(m => (string?)m!["name"] == (string?)secretVolume["name"])!;
        ((bool?)mount["readOnly"]).ShouldBe(true);
        var env = Env(container);
        env["AgentRag__Auth__KeySecretFile"].ShouldStartWith((string)mount["mountPath"]! + "/");
        env["AgentRag__Auth__BootstrapKeyFile"].ShouldStartWith((string)mount["mountPath"]! + "/");
        var jwt = container["env"]!.AsArray().Single(e => (string?)e!["name"] == "AgentRag__Auth__Jwt__SigningKey")!["valueFrom"]!["secretKeyRef"]!;
        ((string?)jwt["name"]).ShouldBe("agentrag-auth");
        ((bool?)jwt["optional"]).ShouldBe(true);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Render_Deployment_RunsRestrictedWithProbesAndLimits(string overlay)
    {
        var report = await Manifests.ValidatedAsync(overlay);
        var pod = report.Single("Deployment", "agentrag")["spec"]!["template"]!["spec"]!;
        var container = pod["containers"]!.AsArray().Single()!;
        var security = container["securityContext"]!;

        ((bool?)pod["securityContext"]!["runAsNonRoot"]).ShouldBe(true);
        ((string?)pod["securityContext"]!["seccompProfile"]!["type"]).ShouldBe("RuntimeDefault");
        ((bool?)security["readOnlyRootFilesystem"]).ShouldBe(true);
        ((bool?)security["allowPrivilegeEscalation"]).ShouldBe(false);
        Strings(security["capabilities"]!["drop"]).ShouldBe(["ALL"]);
        ((string?)container["resources"]!["limits"]!["cpu"]).ShouldBe("2");
        ((string?)container["resources"]!["limits"]!["memory"]).ShouldBe("8Gi");
        ((string?)container["startupProbe"]!["httpGet"]!["path"]).ShouldBe("/health/startup");
        ((string?)container["readinessProbe"]!["httpGet"]!["path"]).ShouldBe("/health/ready");
        ((string?)container["livenessProbe"]!["httpGet"]!["path"]).ShouldBe("/health/live");
        // Only the data and temp volumes are writable.
        container["volumeMounts"]!.AsArray().Where(m => (bool?)m!["readOnly"] != true).Select(m => (string?)m!["mountPath"])
            .ShouldBe(overlay == "dev" ? ["/data", "/tmp"] : ["/data", "/tmp", "/mnt/agentrag-files"], ignoreOrder: true);
    }

    [Theory]
    [InlineData("cluster")]
    [InlineData("dapr")]
    public async Task Render_SharedOverlay_ScalesThreeToTenWithADisruptionBudget(string overlay)
    {
        var report = await Manifests.ValidatedAsync(overlay);
        var hpa = report.Single("HorizontalPodAutoscaler", "agentrag")["spec"]!;
        var pdb = report.Single("PodDisruptionBudget", "agentrag")["spec"]!;
        var podLabels = report.Single("Deployment", "agentrag")["spec"]!["template"]!["metadata"]!["labels"]!.AsObject();

        ((int?)hpa["minReplicas"]).ShouldBe(3);
        ((int?)hpa["maxReplicas"]).ShouldBe(10);
        ((string?)hpa["scaleTargetRef"]!["name"]).ShouldBe("agentrag");
        var cpu = hpa["metrics"]!.AsArray().Single()!["resource"]!;
        ((string?)cpu["name"]).ShouldBe("cpu");
        ((int?)cpu["target"]!["averageUtilization"]).ShouldBe(70);
        ((int?)pdb["maxUnavailable"]).ShouldBe(1);
        foreach (var (label, value) in pdb["selector"]!["matchLabels"]!.AsObject())
        {
            ((string?)podLabels[label]).ShouldBe((string?)value, $"the PDB's selector label {label} must match the pods");
        }

        ((string?)report.Single("ConfigMap", "agentrag-settings")["data"]!["AgentRag__Storage"]).ShouldBe("postgres");
    }

    [Fact]
    public async Task Render_Dev_OneEmbeddedReplicaOnAClaimWithoutAutoscaler()
    {
        var report = await Manifests.ValidatedAsync("dev");
        var deployment = report.Single("Deployment", "agentrag")["spec"]!;
        var data = deployment["template"]!["spec"]!["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "data")!;

        ((int?)deployment["replicas"]).ShouldBe(1);
        ((string?)deployment["strategy"]!["type"]).ShouldBe("Recreate");
        ((string?)data["persistentVolumeClaim"]!["claimName"]).ShouldBe("agentrag-data");
        report.OfKind("PersistentVolumeClaim").Select(c => (string?)c["metadata"]!["name"]).ShouldBe(["agentrag-data"]);
        report.OfKind("HorizontalPodAutoscaler").ShouldBeEmpty();
        report.Single("ConfigMap", "agentrag-settings")["data"]!.AsObject().ContainsKey("AgentRag__Storage").ShouldBeFalse();
    }

    [Fact]
    public async Task Render_Cluster_OpensOrleansPortsOnlyBetweenReplicasWithPodReadAccess()
    {
        var report = await Manifests.ValidatedAsync("cluster");
        var template = report.Single("Deployment", "agentrag")["spec"]!["template"]!;
        var container = template["spec"]!["containers"]!.AsArray().Single()!;
        var settings = report.Single("ConfigMap", "agentrag-settings")["data"]!;

        Strings(container["args"]).ShouldContain("--cluster");
        ((string?)settings["AgentRag__Orleans__KubernetesHosting"]).ShouldBe("true");
        container["ports"]!.AsArray().Select(p => (int?)p!["containerPort"]).ShouldBe([8080, 11111, 30000], ignoreOrder: true);
        report.Single("Service", "agentrag")["spec"]!["ports"]!.AsArray().Select(p => (int?)p!["port"]).ShouldBe([80, 11111, 30000], ignoreOrder: true);
        // Orleans' Kubernetes hosting: the pod's identity from the downward API and the labels it looks pods up by.
        var env = container["env"]!.AsArray();
        foreach (var name in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID" })
        {
            env.Single(e => (string?)e!["name"] == name)!["valueFrom"]!["fieldRef"].ShouldNotBeNull(name);
        }

        ((string?)template["metadata"]!["labels"]!["orleans/serviceId"]).ShouldBe((string?)settings["AgentRag__Orleans__ServiceId"]);
        ((string?)template["metadata"]!["labels"]!["orleans/clusterId"]).ShouldBe((string?)settings["AgentRag__Orleans__ClusterId"]);

        // The silo and gateway ports admit only the replicas.
        var policy = report.Single("NetworkPolicy", "agentrag")["spec"]!;
        var orleansRule = policy["ingress"]!.AsArray().Single(r => r!["ports"]!.AsArray().Any(p => (string?)p!["port"] == "orleans-silo"))!;
        orleansRule["ports"]!.AsArray().Select(p => (string?)p!["port"]).ShouldBe(["orleans-silo", "orleans-gateway"]);
        ((string?)orleansRule["from"]!.AsArray().Single()!["podSelector"]!["matchLabels"]!["app.kubernetes.io/component"]).ShouldBe("server");
        policy["ingress"]!.AsArray().Where(r => r!["from"] is null).SelectMany(r => r!["ports"]!.AsArray()).Select(p => (string?)p!["port"])
            .ShouldBe(["http"]);

        // The service account, and a role that lets it read pods, bound to it.
        ((string?)template["spec"]!["serviceAccountName"]).ShouldBe("agentrag");
        report.Single("ServiceAccount", "agentrag").ShouldNotBeNull();
        var rule = report.Single("Role", "agentrag-orleans")["rules"]!.AsArray().Single()!;
        Strings(rule["resources"]).ShouldBe(["pods"]);
        Strings(rule["verbs"]).ShouldBe(["get", "list", "watch", "patch"], ignoreOrder: true);
        var binding = report.Single("RoleBinding", "agentrag-orleans");
        ((string?)binding["roleRef"]!["name"]).ShouldBe("agentrag-orleans");
        var subject = binding["subjects"]!.AsArray().Single()!;
        ((string?)subject["kind"]).ShouldBe("ServiceAccount");
        ((string?)subject["name"]).ShouldBe("agentrag");
        ((string?)subject["namespace"]).ShouldBe((string?)template["metadata"]!["namespace"] ?? "agentrag");
    }

    [Fact]
    public async Task Render_Dapr_ConfiguresTheSidecarComponentsResiliencyAndTracing()
    {
        var report = await Manifests.ValidatedAsync("dapr");
        var annotations = report.Single("Deployment", "agentrag")["spec"]!["template"]!["metadata"]!["annotations"]!;
        var components = report.OfKind("Component").ToDictionary(c => (string)c["metadata"]!["name"]!, c => c["spec"]!);
        var resiliency = report.Single("Resiliency", "agentrag")["spec"]!;
        var tracing = report.Single("Configuration", "agentrag")["spec"]!["tracing"]!;

        ((string?)annotations["dapr.io/enabled"]).ShouldBe("true");
        ((string?)annotations["dapr.io/app-port"]).ShouldBe("8080");
        ((string?)annotations["dapr.io/config"]).ShouldBe("agentrag");
        components.Values.Select(c => (string?)c["type"]).ShouldBe(["state.postgresql", "pubsub.redis", "secretstores.kubernetes"], ignoreOrder: true);
        var state = components.Values.Single(c => (string?)c["type"] == "state.postgresql");
        ((string?)state["metadata"]!.AsArray().Single(m => (string?)m!["name"] == "actorStateStore")!["value"]).ShouldBe("true");
        state["metadata"]!.AsArray().Single(m => (string?)m!["name"] == "connectionString")!["secretKeyRef"].ShouldNotBeNull();
        var retry = resiliency["policies"]!["retries"]!["transient"]!;
        ((string?)retry["maxInterval"]).ShouldBe("4s");
        ((int?)retry["maxRetries"]).ShouldBe(3);
        ((string?)resiliency["policies"]!["circuitBreakers"]!["afterFiveFailures"]!["trip"]).ShouldBe("consecutiveFailures >= 5");
        resiliency["policies"]!["timeouts"]!.AsObject().Count.ShouldBeGreaterThan(0);
        resiliency["targets"]!["components"]!.AsObject().Select(c => c.Key).ShouldBe(["agentrag-state", "agentrag-pubsub"], ignoreOrder: true);
        ((string?)tracing["samplingRate"]).ShouldBe("1");
        tracing["otel"]!["endpointAddress"].ShouldNotBeNull();
        var settings = report.Single("ConfigMap", "agentrag-settings")["data"]!;
        ((string?)settings["AgentRag__Dapr__StateStore"]).ShouldBe("agentrag-state");
        ((string?)settings["AgentRag__Dapr__PubSub"]).ShouldBe("agentrag-pubsub");
        ((string?)settings["AgentRag__Dapr__SecretStore"]).ShouldBe("agentrag-secrets");
        ((string?)settings["AgentRag__Dapr__Topic"]).ShouldBe("agentrag-events");
        ((string?)settings["AgentRag__Dapr__CommandsTopic"]).ShouldBe("agentrag-commands");
    }

    private static List<string> Strings(JsonNode? array) => [.. array!.AsArray().Select(n => (string)n!)];

    private static Dictionary<string, string> Env(JsonNode container) =>
        container["env"]!.AsArray().Where(e => e!["value"] is not null).ToDictionary(e => (string)e!["name"]!, e => (string)e!["value"]!);
}
