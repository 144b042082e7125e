// Decodes every event type the server's OpenAPI document names (x-sse-events, over all streaming operations) through a
// client generated from it, against a running server whose workflows used a chat model (AGENTRAG_URL). The server was
// prepared so that each type occurred in tenant AGENTRAG_TENANT: the workflows AGENTRAG_WORKFLOWS (comma-separated)
// streamed tokens, voided them (token.reset), failed a step, waited for an approval that warned, escalated and was
// decided, and were cancelled. This script adds the document events (one file ready, one failed), a streamed query and
// a streamed chat completion. It fails when an event does not match its schema, and when a type the document names
// was never decoded.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import createClient from "openapi-fetch";
import type { paths } from "./generated/schema.js";
import { EventDecoder, namedEventTypes, readStream, readStreamUntil } from "./sse.js";

const baseUrl = process.env.AGENTRAG_URL!;
const corpus = process.env.AGENTRAG_CORPUS!;
const workflows = process.env.AGENTRAG_WORKFLOWS!.split(",");
const tenant = { "X-Tenant-ID": process.env.AGENTRAG_TENANT! };
const document = JSON.parse(readFileSync("generated/openapi.json", "utf8"));
const client = createClient<paths>({ baseUrl, fetch: (request) => fetch(request, { signal: AbortSignal.timeout(60_000) }) });
const sse = { parseAs: "stream" as const, headers: { Accept: "text/event-stream" } };
const decoder = new EventDecoder(document);

/** The response of a call that must succeed. */
function ok<T extends { response: Response }>(result: T, what: string): T {
  assert.equal(result.response.status, 200, `${what}: expected 200, got ${result.response.status}`);
  return result;
}

// The prepared workflows, replayed from the durable log.
for (const id of workflows) {
  const stream = ok(await client.GET("/v1/queries/{id}/events", { params: { header: tenant, path: { id } }, ...sse }), `events of ${id}`);
  const events = decoder.decode(await readStream(stream.response), "get", "/v1/queries/{id}/events");
  assert.ok(["done", "error"].includes(events.at(-1)!.event), `the stream of ${id} ends with ${events.at(-1)!.event}`);
}

// The tenant's approval inbox replays its notifications, then waits: read until each approval type named is there.
const inboxTypes = Object.keys(document.paths["/v1/approvals/events"].get["x-sse-events"]);
const inbox = ok(await client.GET("/v1/approvals/events", { params: { header: tenant }, ...sse }), "approval inbox");
decoder.decode(await readStreamUntil(inbox.response, (seen) => inboxTypes.every((t) => seen.some((e) => e.event === t))), "get", "/v1/approvals/events");

// Documents: one that becomes ready, one that fails.
const files: [string, Blob][] = [
  ["nodejs-process.md", new Blob([readFileSync(join(corpus, "nodejs-process.md"))], { type: "text/markdown" })],
  ["corrupt.pdf", new Blob(["%PDF-1.5\n%garbage that is not a PDF body\n"], { type: "application/pdf" })],
];
const upload = await client.POST("/v1/documents", {
  params: { header: tenant },
  body: { files: files.map(([name]) => name) },
  bodySerializer() {
    const form = new FormData();
    for (const [name, blob] of files) form.append("files", blob, name);
    return form;
  },
});
assert.equal(upload.response.status, 202, `upload: ${JSON.stringify(upload.error)}`);
const finals: string[] = [];
for (const { id } of upload.data!.documents) {
  const stream = ok(await client.GET("/v1/documents/{id}/events", { params: { header: tenant, path: { id } }, ...sse }), `events of document ${id}`);
  finals.push(decoder.decode(await readStream(stream.response), "get", "/v1/documents/{id}/events").at(-1)!.event);
}
assert.deepEqual(finals, ["ready", "failed"]);

// A streamed query and a streamed chat completion, decoded by their operations' schemas.
const question = "What does the beforeExit event do?";
const query = ok(await client.POST("/v1/queries", { params: { header: tenant }, body: { query: question, mode: "extractive" }, ...sse }), "streamed query");
assert.equal(decoder.decode(await readStream(query.response), "post", "/v1/queries").at(-1)!.event, "done");
const completion = ok(await client.POST("/v1/chat/completions", {
  params: { header: tenant },
  body: { model: "agentrag", stream: true, messages: [{ role: "user", content: question }] } as never,
  parseAs: "stream",
}), "streamed chat completion");
decoder.decode(await readStream(completion.response), "post", "/v1/chat/completions");

// Every event type the document names was seen and matched its schema.
const named = namedEventTypes(document);
const missing = named.filter((type) => !decoder.decoded.has(type));
assert.deepEqual(missing, [], `event types named in the document but never decoded: ${missing.join(", ")} (decoded: ${[...decoder.decoded].join(", ")})`);
console.log(`every event type of the document decoded by its schema (${named.length}): ${named.join(", ")}`);
