// The official `openai` npm client against AgentRag's OpenAI-compatible surface (AGENTRAG_URL): it lists the models,
// streams /v1/chat/completions with usage, and parses every chunk. EXPECTED_ANSWER is the answer the server's model
// (a scripted loopback OpenAI server) writes; the streamed content must start with it and end with the sources.
// Exits non-zero on the first failure.
import assert from "node:assert/strict";
import OpenAI from "openai";

const client = new OpenAI({
  baseURL: `${process.env.AGENTRAG_URL}/v1`,
  apiKey: "not-checked-in-open-mode",
  maxRetries: 0,
  timeout: 60_000,
});

const models = await client.models.list();
const ids = models.data.map((m) => m.id);
assert.ok(ids.includes("agentrag"), `models: ${ids}`);

const stream = await client.chat.completions.create({
  model: "agentrag",
  messages: [{ role: "user", content: process.env.QUESTION }],
  stream: true,
  stream_options: { include_usage: true },
});

let content = "";
let chunks = 0;
let role;
let finishReason;
let final;
let usage;
for await (const chunk of stream) {
  chunks++;
  assert.equal(chunk.object, "chat.completion.chunk");
  assert.match(chunk.id, /^chatcmpl-/);
  assert.equal(chunk.model, "agentrag");
  assert.equal(typeof chunk.created, "number");
  if (chunk.usage) {
    assert.deepEqual(chunk.choices, [], "the usage chunk has no choice");
    usage = chunk.usage;
    continue;
  }

  assert.equal(chunk.choices.length, 1);
  const [choice] = chunk.choices;
  assert.equal(choice.index, 0);
  role ??= choice.delta.role;
  content += choice.delta.content ?? "";
  if (choice.finish_reason) {
    finishReason = choice.finish_reason;
    final = chunk;
  }
}

assert.equal(role, "assistant");
assert.equal(finishReason, "stop");
assert.ok(content.startsWith(process.env.EXPECTED_ANSWER), `content: ${content}`);
assert.match(content, /\n\nSources:\n\[1\] nodejs-process\.md/);
assert.ok(final.answer.startsWith(process.env.EXPECTED_ANSWER), `the final chunk's answer: ${final.answer}`);
assert.ok(final.citations.length > 0 && typeof final.workflow_id === "string");
assert.ok(usage, "no usage chunk");
assert.equal(usage.prompt_tokens + usage.completion_tokens, usage.total_tokens);
console.log(`${chunks} chunks parsed; usage: ${usage.prompt_tokens} prompt, ${usage.completion_tokens} completion tokens`);
