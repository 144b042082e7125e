// Calls every operation of the server's OpenAPI document through a client generated from it (openapi-typescript types
// + openapi-fetch), against a running server: AGENTRAG_URL, with the corpus at AGENTRAG_CORPUS. tsc type-checks each
// call against the generated types first, so a request the document does not describe (a missing header, body field
// or path) fails the build. At run time every response must have the status the call expects, be documented when it
// is a success, and carry a problem+json body when it is an error. Every server-sent event is decoded by the schema the
// document names for its type (x-sse-events), and every event type the document names for a stream must have been
// received on it at least once: the server's chat model is a scripted loopback OpenAI server (see OpenApiDocumentTests)
// whose answers make one run produce every type. Exits non-zero on the first failure.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import Ajv2020Module from "ajv/dist/2020.js";
import createClient from "openapi-fetch";
import type { components, paths } from "./generated/schema.js";

const baseUrl = process.env.AGENTRAG_URL!;
const corpus = process.env.AGENTRAG_CORPUS!;
const document = JSON.parse(readFileSync("generated/openapi.json", "utf8"));
const tenant = { "X-Tenant-ID": "openapi-client" };
// A tenant whose approvals time out after a second and escalate (configured by the test), for approval.expiring and
// approval.escalated on the real clock.
const deadlineTenant = { "X-Tenant-ID": "openapi-deadline" };

// No call may hang the test: each gives up after a minute.
const client = createClient<paths>({ baseUrl, fetch: (request) => fetch(request, { signal: AbortSignal.timeout(60_000) }) });
const called: string[] = [];
client.use({
  onRequest({ request, schemaPath }) {
    called.push(`${request.method.toLowerCase()} ${schemaPath}`);
  },
});

/** Checks one response against the call's expectation and the document. */
async function expect(result: { response: Response; data?: unknown; error?: unknown }, status: number, what: string) {
  const { response } = result;
  if (response.status !== status) {
    const body = result.error ?? result.data;
    assert.fail(`${what}: expected ${status}, got ${response.status}: ${typeof body === "string" ? body : JSON.stringify(body)}`);
  }

  const [method, path] = called.at(-1)!.split(" ");
  const documented = document.paths[path][method].responses ?? {};
  if (status < 400) {
    assert.ok(String(status) in documented, `${what}: ${status} is not documented for ${method} ${path} (${Object.keys(documented)})`);
  } else {
    assert.match(response.headers.get("content-type") ?? "", /application\/problem\+json/, `${what}: an error without problem details`);
  }

  console.error(`ok ${status} ${method} ${path} (${what})`);
}

/** Reads a server-sent event stream until it ends, or only its headers when it never ends. */
async function events(response: Response, follow: boolean): Promise<string> {
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  if (!follow) {
    await response.body?.cancel();
    return "";
  }

  return await response.text();
}

/** Reads an event stream piece by piece: `until(type)` returns the complete events received up to and including the first `type` event not yet returned. */
function eventReader(response: Response) {
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  return {
    async until(type: string | null): Promise<string> {
      for (;;) {
        const blocks = buffer.split("\n\n");
        const index = type === null ? -1 : blocks.slice(0, -1).findIndex((b) => b.split("\n").includes(`event: ${type}`));
        if (index >= 0) {
          const taken = blocks.slice(0, index + 1).join("\n\n") + "\n\n";
          buffer = blocks.slice(index + 1).join("\n\n");
          return taken;
        }

        const { value, done } = await reader.read();
        if (done) {
          assert.equal(type, null, `the stream ended before a '${type}' event`);
          const rest = buffer;
          buffer = "";
          return rest;
        }

        buffer += decoder.decode(value, { stream: true });
      }
    },
    cancel: () => reader.cancel(),
  };
}

const sseOptions = { parseAs: "stream" as const, headers: { Accept: "text/event-stream" } };

// Every SSE event is decoded by the schema its operation names for its type (x-sse-events), as a generated client would.
// ajv is CommonJS: its class is the module's `default`.
const ajv = new Ajv2020Module.default({ strict: false, validateFormats: false, allErrors: true });
ajv.addSchema({ $id: "agentrag", components: document.components });
/** The event types decoded so far, by operation (`method path`). */
const decoded = new Map<string, Set<string>>();

/** Splits a text/event-stream body into events (comments skipped, data lines joined). */
function parseEvents(text: string): { event: string; id?: string; data: string }[] {
  const parsed: { event: string; id?: string; data: string }[] = [];
  for (const block of text.split("\n\n")) {
    let event = "message";
    let id: string | undefined;
    const data: string[] = [];
    for (const line of block.split("\n")) {
      if (line.startsWith(":") || line.length === 0) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "event") event = value;
      else if (field === "id") id = value;
      else if (field === "data") data.push(value);
    }
    if (data.length > 0) parsed.push({ event, id, data: data.join("\n") });
  }
  return parsed;
}

/** Decodes every event of a stream of `method path` by its schema; returns the events' data, in order. */
function decodeEvents(text: string, method: string, path: string): { event: string; id?: string; data: any }[] {
  const named = document.paths[path][method]["x-sse-events"] as Record<string, { $ref: string }>;
  assert.ok(named, `${method} ${path} names no event schemas`);
  return parseEvents(text).filter((e) => e.data !== "[DONE]").map((e) => {
    const schema = named[e.event];
    assert.ok(schema, `${method} ${path}: the event '${e.event}' has no schema`);
    const validate = ajv.getSchema(`agentrag${schema.$ref}`)!;
    const data = JSON.parse(e.data);
    assert.ok(validate(data), `${method} ${path}: '${e.event}' does not match ${schema.$ref}: ${ajv.errorsText(validate.errors)}\n${e.data}`);
    const seen = decoded.get(`${method} ${path}`) ?? new Set<string>();
    decoded.set(`${method} ${path}`, seen.add(e.event));
    return { event: e.event, id: e.id, data };
  });
}

// Documents: upload one file as multipart `files`, follow it to ready.
const fileName = "nodejs-process.md";
const upload = await client.POST("/v1/documents", {
  params: { header: tenant },
  body: { files: [fileName] },
  bodySerializer(body) {
    const form = new FormData();
    for (const name of body.files) {
      form.append("files", new Blob([readFileSync(join(corpus, name))], { type: "text/markdown" }), name);
    }

    return form;
  },
});
await expect(upload, 202, "upload");
const documentId = upload.data!.documents[0].id;

const documentEvents = await client.GET("/v1/documents/{id}/events", { params: { header: tenant, path: { id: documentId } }, ...sseOptions });
await expect(documentEvents, 200, "document events");
const documentStream = decodeEvents(await events(documentEvents.response, true), "get", "/v1/documents/{id}/events");
const ready: components["schemas"]["DocumentEvent"] = documentStream.at(-1)!.data;
assert.equal(ready.documentId, documentId);
assert.equal(ready.status, "ready");
// The semantic stage follows ready: reconnecting with the ready event's id follows it until embedded.
const embeddingEvents = await client.GET("/v1/documents/{id}/events", {
  params: { header: tenant, path: { id: documentId } },
  ...sseOptions,
  headers: { ...sseOptions.headers, "Last-Event-ID": documentStream.at(-1)!.id! },
});
await expect(embeddingEvents, 200, "document embedding events");
const embeddingStream = decodeEvents(await events(embeddingEvents.response, true), "get", "/v1/documents/{id}/events");
assert.equal(embeddingStream.at(-1)!.event, "embedded");
const embedded: components["schemas"]["DocumentEvent"] = embeddingStream.at(-1)!.data;
assert.equal(embedded.embeddedChunks, embedded.chunkCount);

// The deadline tenant's library: the same file, which gets ready, and a corrupt one, which fails, as its stream says.
const deadlineUpload = await client.POST("/v1/documents", {
  params: { header: deadlineTenant },
  body: { files: [fileName, "corrupt.pdf"] },
  bodySerializer() {
    const form = new FormData();
    form.append("files", new Blob([readFileSync(join(corpus, fileName))], { type: "text/markdown" }), fileName);
    form.append("files", new Blob(["%PDF-1.5\n%garbage that is not a PDF body\n"], { type: "application/pdf" }), "corrupt.pdf");
    return form;
  },
});
await expect(deadlineUpload, 202, "upload a good and a corrupt file");
for (const [index, final] of [[0, "ready"], [1, "failed"]] as const) {
  const followed = await client.GET("/v1/documents/{id}/events", { params: { header: deadlineTenant, path: { id: deadlineUpload.data!.documents[index].id } }, ...sseOptions });
  await expect(followed, 200, `${final} document events`);
  assert.equal(decodeEvents(await events(followed.response, true), "get", "/v1/documents/{id}/events").at(-1)!.event, final);
}

const list = await client.GET("/v1/documents", { params: { header: tenant, query: { status: "ready", offset: 0, limit: 10 } } });
await expect(list, 200, "list documents");
assert.equal(list.data!.items[0].id, documentId);
await expect(await client.GET("/v1/documents/{id}", { params: { header: tenant, path: { id: documentId } } }), 200, "get document");
const chunks = await client.GET("/v1/documents/{id}/chunks", { params: { header: tenant, path: { id: documentId } } });
await expect(chunks, 200, "chunks");
assert.ok(chunks.data!.length > 0);
await expect(await client.GET("/v1/documents/{id}/pages/{number}", { params: { header: tenant, path: { id: documentId, number: 0 } } }), 200, "page");
// What the web console reads: the caller's status, a passage with its context, the original file.
const status = await client.GET("/v1/auth/status", { params: { header: tenant } });
await expect(status, 200, "auth status");
assert.equal(status.data!.mode, "open");
const passage = await client.GET("/v1/documents/{id}/passage", { params: { header: tenant, path: { id: documentId }, query: { page: 0, quote: "beforeExit" } } });
await expect(passage, 200, "passage");
assert.equal(passage.data!.quoteLocated, true);
const original = await client.GET("/v1/documents/{id}/original", { params: { header: tenant, path: { id: documentId } }, parseAs: "text" });
await expect(original, 200, "original");
assert.equal(original.data, readFileSync(join(corpus, fileName), "utf8"));

// Search and queries.
const search = await client.POST("/v1/search", { params: { header: tenant }, body: { query: "beforeExit", k: 3, mode: "bm25" } });
await expect(search, 200, "search");
assert.equal(search.data!.hits[0].documentId, documentId);

const question = "What does the beforeExit event do?";
const query = await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "extractive" } });
await expect(query, 200, "query");
// The route's 200 is JSON or an event stream; without Accept: text/event-stream it is the JSON result.
const answered = query.data as components["schemas"]["QueryResult"];
const workflowId = answered.workflowId;
const sessionId = answered.sessionId!;
assert.match(answered.answer ?? "", /beforeExit/);
await expect(await client.GET("/v1/queries/{id}", { params: { header: tenant, path: { id: workflowId } } }), 200, "get query");
const queryEvents = await client.GET("/v1/queries/{id}/events", { params: { header: tenant, path: { id: workflowId } }, ...sseOptions });
await expect(queryEvents, 200, "query events");
const workflowStream = decodeEvents(await events(queryEvents.response, true), "get", "/v1/queries/{id}/events");
const plan: components["schemas"]["PlanEvent"] = workflowStream[0].data;
assert.equal(plan.workflowId, workflowId);
const done: components["schemas"]["DoneEvent"] = workflowStream.at(-1)!.data;
assert.equal(workflowStream.at(-1)!.event, "done");
assert.equal(done.answer, answered.answer);

// The same question streamed: the route's event stream, decoded the same way.
const streamed = await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "extractive" }, ...sseOptions });
await expect(streamed, 200, "streamed query");
assert.equal(decodeEvents(await events(streamed.response, true), "post", "/v1/queries").at(-1)!.event, "done");

// A model answer that goes wrong in every way the stream reports: the primary model fails (a fallback warning as
// step.progress), the fallback model streams its first tokens then stalls past the synthesis timeout (step.failed), and
// the extractive fallback voids those tokens (token.reset) before streaming its own. Streamed, then replayed.
const modelQuery = await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "model" }, ...sseOptions });
await expect(modelQuery, 200, "model query");
const modelStream = decodeEvents(await events(modelQuery.response, true), "post", "/v1/queries");
const modelTypes = modelStream.map((e) => e.event);
assert.ok(modelStream.some((e) => e.event === "step.progress" && e.data.warning?.kind === "model.fallback"), `no fallback warning: ${modelTypes}`);
const stepFailed: components["schemas"]["StepFailedEvent"] = modelStream.find((e) => e.event === "step.failed")!.data;
assert.equal(stepFailed.timedOut, true);
const reset = modelTypes.indexOf("token.reset");
assert.ok(modelTypes.indexOf("token") < reset && modelTypes.lastIndexOf("token") > reset, `tokens before and after the reset: ${modelTypes}`);
assert.equal(modelTypes.at(-1), "done");
const modelReplay = await client.GET("/v1/queries/{id}/events", { params: { header: tenant, path: { id: modelQuery.response.headers.get("X-Workflow-Id")! } }, ...sseOptions });
await expect(modelReplay, 200, "model query events");
assert.deepEqual(decodeEvents(await events(modelReplay.response, true), "get", "/v1/queries/{id}/events").map((e) => e.event), modelTypes);
const feedback = await client.POST("/v1/queries/{id}/feedback", { params: { header: tenant, path: { id: workflowId } }, body: { rating: "up", comment: "clear" } });
await expect(feedback, 200, "feedback");
await expect(await client.GET("/v1/queries/{id}/feedback", { params: { header: tenant, path: { id: workflowId } } }), 200, "get feedback");
const cancel = await client.DELETE("/v1/queries/{id}", { params: { header: tenant, path: { id: workflowId } } });
await expect(cancel, 200, "cancel a finished query");
assert.equal(cancel.data!.cancelled, false);

const sessions = await client.GET("/v1/sessions", { params: { header: tenant, query: { limit: 10 } } });
await expect(sessions, 200, "session list");
assert.ok(sessions.data!.items.some((s) => s.id === sessionId), "the session list names the session");
await expect(await client.GET("/v1/sessions/{id}", { params: { header: tenant, path: { id: sessionId } } }), 200, "session");
await expect(await client.DELETE("/v1/sessions/{id}", { params: { header: tenant, path: { id: sessionId } } }), 204, "delete session");

// Approvals: a query gated on a person's approval, approved; a second decision conflicts.
const gated = await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "extractive", approval: "before_answer" } });
await expect(gated, 200, "gated query");
const gatedId = (gated.data as components["schemas"]["QueryResult"]).workflowId;
const pending = await client.GET("/v1/approvals", { params: { header: tenant, query: { status: "pending", workflowId: gatedId } } });
await expect(pending, 200, "list approvals");
const approvalId = pending.data!.items[0].id;
await expect(await client.GET("/v1/approvals/{id}", { params: { header: tenant, path: { id: approvalId } } }), 200, "get approval");
await expect(await client.POST("/v1/approvals/{id}/approve", { params: { header: tenant, path: { id: approvalId } }, body: { comment: "fine" } }), 200, "approve");
await expect(await client.POST("/v1/approvals/{id}/reject", { params: { header: tenant, path: { id: approvalId } }, body: { comment: "too late" } }), 409, "reject after approve");
await expect(await client.POST("/v1/approvals/{id}/modify", { params: { header: tenant, path: { id: approvalId } }, body: { inputs: { query: "the beforeExit event" } } }), 409, "modify after approve");
const history = await client.GET("/v1/approvals/{id}/history", { params: { header: tenant, path: { id: approvalId } } });
await expect(history, 200, "approval history");
assert.ok(history.data!.entries.length >= 2);
await expect(await client.GET("/v1/approvals/audit", { params: { header: tenant, query: { limit: 100 } } }), 200, "audit");
const inbox = await client.GET("/v1/approvals/events", { params: { header: tenant }, ...sseOptions });
await expect(inbox, 200, "approval events");
await events(inbox.response, false);
const gatedStream = await client.GET("/v1/queries/{id}/events", { params: { header: tenant, path: { id: gatedId } }, ...sseOptions });
const gatedEvents = decodeEvents(await events(gatedStream.response, true), "get", "/v1/queries/{id}/events");
const resolved: components["schemas"]["ApprovalResolvedEvent"] = gatedEvents.find((e) => e.event === "approval.resolved")!.data;
assert.equal(resolved.approvalId, approvalId);
assert.equal(resolved.decision, "approve");

// A gated query cancelled while it waits: its stream ends with an error event.
const waiting = await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "extractive", approval: "before_answer" }, ...sseOptions });
await expect(waiting, 200, "streamed gated query");
const waitingId = waiting.response.headers.get("X-Workflow-Id")!;
const waitingReader = eventReader(waiting.response);
decodeEvents(await waitingReader.until("approval.required"), "post", "/v1/queries");
const cancelWaiting = await client.DELETE("/v1/queries/{id}", { params: { header: tenant, path: { id: waitingId } } });
await expect(cancelWaiting, 200, "cancel a waiting query");
assert.equal(decodeEvents(await waitingReader.until(null), "post", "/v1/queries").at(-1)!.event, "error");
const cancelledStream = await client.GET("/v1/queries/{id}/events", { params: { header: tenant, path: { id: waitingId } }, ...sseOptions });
const cancelled = decodeEvents(await events(cancelledStream.response, true), "get", "/v1/queries/{id}/events");
const failure: components["schemas"]["ErrorEvent"] = cancelled.at(-1)!.data;
assert.equal(cancelled.at(-1)!.event, "error");
assert.equal(failure.code, "cancelled");
// The inbox replays the tenant's approval notifications from the start (no Last-Event-ID), then waits: read the first two.
const inboxReplay = await client.GET("/v1/approvals/events", { params: { header: tenant }, ...sseOptions });
await expect(inboxReplay, 200, "approval events replayed");
const reader = inboxReplay.response.body!.getReader();
let inboxText = "";
while (!/event: approval\.required[\s\S]*event: approval\.resolved[^]*?\n\n/.test(inboxText)) {
  const { value, done: ended } = await reader.read();
  if (ended) break;
  inboxText += new TextDecoder().decode(value);
}
await reader.cancel();
decodeEvents(inboxText.slice(0, inboxText.lastIndexOf("\n\n") + 2), "get", "/v1/approvals/events");

// An approval nobody decides in time (the deadline tenant: a one-second timeout that escalates): approval.expiring, then
// approval.escalated, on the query's stream; approved after its escalation, the query finishes.
const deadlined = await client.POST("/v1/queries", { params: { header: deadlineTenant }, body: { query: question, mode: "extractive", approval: "before_answer" }, ...sseOptions });
await expect(deadlined, 200, "query whose approval escalates");
const deadlinedId = deadlined.response.headers.get("X-Workflow-Id")!;
const deadlineReader = eventReader(deadlined.response);
const untilEscalated = decodeEvents(await deadlineReader.until("approval.escalated"), "post", "/v1/queries").map((e) => e.event);
assert.ok(untilEscalated.indexOf("approval.required") < untilEscalated.indexOf("approval.expiring"), `${untilEscalated}`);
const escalatedApproval = await client.GET("/v1/approvals", { params: { header: deadlineTenant, query: { workflowId: deadlinedId } } });
await expect(escalatedApproval, 200, "list the escalated approval");
assert.equal(escalatedApproval.data!.items[0].status, "escalated");
await expect(await client.POST("/v1/approvals/{id}/approve", { params: { header: deadlineTenant, path: { id: escalatedApproval.data!.items[0].id } }, body: { comment: "late but fine" } }), 200, "approve after escalation");
assert.equal(decodeEvents(await deadlineReader.until(null), "post", "/v1/queries").at(-1)!.event, "done");
const deadlineReplay = await client.GET("/v1/queries/{id}/events", { params: { header: deadlineTenant, path: { id: deadlinedId } }, ...sseOptions });
await expect(deadlineReplay, 200, "escalated query events");
decodeEvents(await events(deadlineReplay.response, true), "get", "/v1/queries/{id}/events");
const deadlineInbox = await client.GET("/v1/approvals/events", { params: { header: deadlineTenant }, ...sseOptions });
await expect(deadlineInbox, 200, "escalated approval events replayed");
const deadlineInboxReader = eventReader(deadlineInbox.response);
const notices = decodeEvents(await deadlineInboxReader.until("approval.resolved"), "get", "/v1/approvals/events").map((e) => e.event);
await deadlineInboxReader.cancel();
assert.deepEqual(notices, ["approval.required", "approval.expiring", "approval.escalated", "approval.resolved"]);

// The OpenAI-compatible surface.
// Their request and response types come from ChatCompletionsApi (typed there, not here): read them loosely so this
// test compiles both before and after those types are declared.
const models = await client.GET("/v1/models", { params: { header: tenant } });
await expect(models, 200, "models");
const model = (models.data as unknown as { data: { id: string }[] }).data[0].id;
const completion = await client.POST("/v1/chat/completions", {
  params: { header: tenant },
  body: { model, messages: [{ role: "user", content: question }] } as never,
});
await expect(completion, 200, "chat completion");
const completionStream = await client.POST("/v1/chat/completions", {
  params: { header: tenant },
  body: { model, stream: true, messages: [{ role: "user", content: question }] } as never,
  parseAs: "stream",
});
await expect(completionStream, 200, "chat completion stream");
const completionChunks = decodeEvents(await events(completionStream.response, true), "post", "/v1/chat/completions");
const last: components["schemas"]["ChatCompletionChunk"] = completionChunks.at(-1)!.data;
assert.equal(last.choices[0].finish_reason, "stop", JSON.stringify(completionChunks.slice(-3)) + JSON.stringify(completion.data));

// Usage and prompts.
await expect(await client.GET("/v1/usage", { params: { header: tenant, query: { groupBy: "model" } } }), 200, "usage");
await expect(await client.GET("/v1/prompts", { params: { header: tenant } }), 200, "prompts");

// Alerts: the tenant's settings (read, replaced, refused when invalid) and its raised alerts.
const alertSettings = await client.GET("/v1/alerts/settings", { params: { header: tenant } });
await expect(alertSettings, 200, "alert settings");
await expect(await client.PUT("/v1/alerts/settings", { params: { header: tenant }, body: { ...alertSettings.data!, emailRecipients: ["ops@example.com"] } }), 200, "replace alert settings");
await expect(await client.PUT("/v1/alerts/settings", { params: { header: tenant }, body: { ...alertSettings.data!, emailRecipients: ["not an address"] } }), 400, "invalid alert settings");
await expect(await client.GET("/v1/alerts", { params: { header: tenant, query: { limit: 10 } } }), 200, "alerts");

// The admin dashboard: one live snapshot, the month's costs (a malformed month refused), latency percentiles, storage
// growth and the error list (a malformed time refused).
const live = await client.GET("/v1/admin/metrics/stream", { params: { header: tenant }, ...sseOptions });
await expect(live, 200, "admin metrics stream");
const liveReader = eventReader(live.response);
const snapshots = decodeEvents(await liveReader.until("snapshot"), "get", "/v1/admin/metrics/stream");
await liveReader.cancel();
assert.ok(snapshots.some((e) => e.event === "snapshot" && Number(e.data.requestsPerSecond) > 0), "the snapshot counts this client's requests");
await expect(await client.GET("/v1/admin/costs", { params: { header: tenant } }), 200, "admin costs");
await expect(await client.GET("/v1/admin/costs", { params: { header: tenant, query: { month: "2026-13" } } }), 400, "admin costs, bad month");
await expect(await client.GET("/v1/admin/latency", { params: { header: tenant } }), 200, "admin latency");
await expect(await client.GET("/v1/admin/storage", { params: { header: tenant, query: { days: 30 } } }), 200, "admin storage");
await expect(await client.GET("/v1/errors", { params: { header: tenant, query: { severity: "error", limit: 10 } } }), 200, "errors");
await expect(await client.GET("/v1/errors", { params: { header: tenant, query: { since: "yesterday" } } }), 400, "errors, bad since");

// The answer's citations as JSON and as BibTeX.
const citations = await client.GET("/v1/queries/{id}/citations", { params: { header: tenant, path: { id: workflowId }, query: { format: "json" } } });
await expect(citations, 200, "citations as JSON");
assert.equal((citations.data as components["schemas"]["CitationList"]).citations.length, answered.citations.length, "every citation of the answer is exported");
const bibtex = await client.GET("/v1/queries/{id}/citations", { params: { header: tenant, path: { id: workflowId }, query: { format: "bibtex" } }, parseAs: "text" });
await expect(bibtex, 200, "citations as BibTeX");
assert.ok((bibtex.data as unknown as string).startsWith(`% Citations of AgentRag query ${workflowId}`), "the BibTeX file names its query");
assert.equal((bibtex.data as unknown as string).split("\n@misc{").length - 1, answered.citations.length, "one @misc entry per citation");

// A share link to the answer: read without a credential, listed, revoked (then 410).
const share = await client.POST("/v1/queries/{id}/share", { params: { header: tenant, path: { id: workflowId } }, body: { expiresInHours: 1 } });
await expect(share, 201, "share an answer");
const shared = await client.GET("/v1/shared/{token}", { params: { path: { token: share.data!.token } } });
await expect(shared, 200, "shared answer");
assert.equal(shared.data!.answer, answered.answer);
await expect(await client.GET("/v1/shares", { params: { header: tenant, query: { workflowId, limit: 10 } } }), 200, "list share links");
await expect(await client.DELETE("/v1/shares/{id}", { params: { header: tenant, path: { id: share.data!.id } } }), 200, "revoke a share link");
await expect(await client.GET("/v1/shared/{token}", { params: { path: { token: share.data!.token } } }), 410, "revoked share link");

// Page images are for PDFs only: the Markdown document has none.
await expect(await client.GET("/v1/documents/{id}/pages/{number}/image", { params: { header: tenant, path: { id: documentId, number: 1 }, query: { width: 200 } } }), 415, "page image of a non-PDF");

// Branding: name and colours (a bad colour refused), a logo uploaded, read and removed.
await expect(await client.PUT("/v1/tenant/branding", { params: { header: tenant }, body: { productName: "Acme Answers", primaryColor: "#1a73e8", accentColor: "#e8710a" } }), 200, "set branding");
await expect(await client.PUT("/v1/tenant/branding", { params: { header: tenant }, body: { primaryColor: "blue" } }), 400, "invalid colour");
const branding = await client.GET("/v1/tenant/branding", { params: { header: tenant } });
await expect(branding, 200, "branding");
assert.equal(branding.data!.productName, "Acme Answers");
// The smallest valid PNG signature and header is enough for the type check.
const png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
const logo = await client.PUT("/v1/tenant/branding/logo", {
  params: { header: tenant },
  body: "" as never,
  bodySerializer: () => new Blob([png], { type: "image/png" }),
  headers: { "Content-Type": "image/png" },
});
await expect(logo, 200, "upload a logo");
await expect(await client.GET("/v1/tenant/branding/logo", { params: { header: tenant }, parseAs: "blob" }), 200, "logo");
await expect(await client.DELETE("/v1/tenant/branding/logo", { params: { header: tenant } }), 200, "remove the logo");

// The tenant's limits and quotas with their use.
const limits = await client.GET("/v1/tenant/limits", { params: { header: tenant } });
await expect(limits, 200, "tenant limits");
assert.ok(limits.data!.quotas.some((q) => q.quota === "documents" && Number(q.used) >= 1), "the documents quota counts the uploaded document");

// API keys: create one (shown once), list, revoke.
const created = await client.POST("/v1/keys", { params: { header: tenant }, body: { role: "viewer", name: "openapi client", expiresInDays: 7 } });
await expect(created, 201, "create key");
assert.match(created.data!.key, /^ark_/);
await expect(await client.GET("/v1/keys", { params: { header: tenant } }), 200, "list keys");
await expect(await client.DELETE("/v1/keys/{id}", { params: { header: tenant, path: { id: created.data!.id } } }), 200, "revoke key");

// Reprocess, then delete; the document is gone after.
await expect(await client.POST("/v1/documents/{id}/reprocess", { params: { header: tenant, path: { id: documentId } } }), 202, "reprocess");
await expect(await client.DELETE("/v1/documents/{id}", { params: { header: tenant, path: { id: documentId } } }), 204, "delete");
await expect(await client.GET("/v1/documents/{id}", { params: { header: tenant, path: { id: documentId } } }), 404, "deleted document");

// The audit log: a page, and the NDJSON export (one JSON object a line).
const audit = await client.GET("/v1/audit", { params: { header: tenant, query: { action: "key.create", limit: 10 } } });
await expect(audit, 200, "audit log");
assert.ok(audit.data!.entries.some((e) => e.action === "key.create"));
const auditExport = await client.GET("/v1/audit/export", { params: { header: tenant }, parseAs: "text" });
await expect(auditExport, 200, "audit export");
for (const line of (auditExport.data as string).split("\n").filter((l) => l.length > 0)) {
  JSON.parse(line);
}

// The tenant's export (a tar.gz), then its erasure: refused without confirmation, done with it.
const archive = await client.GET("/v1/tenant/export", { params: { header: tenant }, parseAs: "arrayBuffer" });
await expect(archive, 200, "tenant export");
assert.deepEqual([...new Uint8Array(archive.data as ArrayBuffer).slice(0, 2)], [0x1f, 0x8b], "the export is gzip");
await expect(await client.DELETE("/v1/tenant", { params: { header: tenant, query: {} } }), 400, "erase unconfirmed");
const erased = await client.DELETE("/v1/tenant", { params: { header: tenant, query: { confirm: tenant["X-Tenant-ID"] } } });
await expect(erased, 200, "erase tenant");
assert.ok(Object.values(erased.data!.rows).some((n) => Number(n) > 0), "the erasure removed rows");
const afterErasure = await client.GET("/v1/documents", { params: { header: tenant } });
await expect(afterErasure, 200, "documents after erasure");

// Every event type the document names for each stream was received on that stream and decoded by its schema.
const streams = Object.entries(document.paths as Record<string, Record<string, any>>).flatMap(([path, item]) =>
  Object.entries(item).filter(([, operation]) => operation?.["x-sse-events"]).map(([method, operation]) =>
    ({ stream: `${method} ${path}`, types: Object.keys(operation["x-sse-events"]) })));
assert.ok(streams.length > 0, "the document names no event streams");
const undecoded = streams.flatMap(({ stream, types }) => types.filter((t) => !decoded.get(stream)?.has(t)).map((t) => `${stream}: ${t}`));
assert.deepEqual(undecoded, [], `event types never received and decoded: ${undecoded.join("; ")}`);
const decodedCount = streams.reduce((n, { types }) => n + types.length, 0);
console.log(`${decodedCount} event types of ${streams.length} streams decoded by their schemas`);

// Every operation of the document was called.
const operations = Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
  Object.keys(item).filter((m) => ["get", "post", "put", "patch", "delete"].includes(m)).map((m) => `${m} ${path}`));
const missed = operations.filter((o) => !called.includes(o));
assert.deepEqual(missed, [], `operations never called: ${missed.join(", ")}`);
console.log(`${operations.length} operations: every operation of the document was called`);
