// Decodes server-sent event streams the way a client generated from the OpenAPI document would: each operation's
// `x-sse-events` names the schema of every event type it sends, and each event's data is validated against it (ajv).
// Shared by the tests of this folder.
import assert from "node:assert/strict";
import Ajv2020Module from "ajv/dist/2020.js";

export type SseEvent = { event: string; id?: string; data: string };

/** Splits a text/event-stream body into events (comments skipped, data lines joined). */
export function parseEvents(text: string): SseEvent[] {
  const parsed: SseEvent[] = [];
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

/** Reads a server-sent event stream until it ends. */
export async function readStream(response: Response): Promise<string> {
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  return await response.text();
}

/**
 * Reads a stream that never ends (the tenant's approval inbox) until `enough` holds for the events read so far, then
 * stops reading; returns the complete events read.
 */
export async function readStreamUntil(response: Response, enough: (events: SseEvent[]) => boolean): Promise<string> {
  assert.match(response.headers.get("content-type") ?? "", /text\/event-stream/);
  const reader = response.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  while (true) {
    const complete = text.slice(0, text.lastIndexOf("\n\n") + 2);
    if (complete.length > 0 && enough(parseEvents(complete))) {
      await reader.cancel();
      return complete;
    }
    const { value, done } = await reader.read();
    if (done) return text;
    text += decoder.decode(value, { stream: true });
  }
}

/** Every event type the document names, over all its streaming operations. */
export function namedEventTypes(document: any): string[] {
  const names = new Set<string>();
  for (const item of Object.values(document.paths as Record<string, Record<string, any>>)) {
    for (const operation of Object.values(item)) {
      for (const name of Object.keys(operation?.["x-sse-events"] ?? {})) names.add(name);
    }
  }
  return [...names].sort();
}

/** Decodes the events of the document's streaming operations by their schemas; remembers which types it decoded. */
export class EventDecoder {
  readonly decoded = new Set<string>();
  private readonly ajv;

  constructor(private readonly document: any) {
    // ajv is CommonJS: its class is the module's `default`.
    this.ajv = new Ajv2020Module.default({ strict: false, validateFormats: false, allErrors: true });
    this.ajv.addSchema({ $id: "agentrag", components: document.components });
  }

  /** Decodes every event of a stream of `method path` by its schema (failing on the first that does not match); returns them in order. */
  decode(text: string, method: string, path: string): { event: string; data: any }[] {
    const named = this.document.paths[path][method]["x-sse-events"] as Record<string, { $ref: string }>;
    assert.ok(named, `${method} ${path} names no event schemas`);
    return parseEvents(text).filter((e) => e.data !== "[DONE]").map((e) => {
      const schema = named[e.event];
      assert.ok(schema, `${method} ${path}: the event '${e.event}' has no schema`);
      const validate = this.ajv.getSchema(`agentrag${schema.$ref}`)!;
      const data = JSON.parse(e.data);
      assert.ok(validate(data), `${method} ${path}: '${e.event}' does not match ${schema.$ref}: ${this.ajv.errorsText(validate.errors)}\n${e.data}`);
      this.decoded.add(e.event);
      return { event: e.event, data };
    });
  }
}
