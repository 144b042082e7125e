// An MCP client on the official TypeScript SDK (@modelcontextprotocol/sdk), against AgentRag's MCP server.
//
//   node client.test.mjs http    AGENTRAG_URL (a running server in required-auth mode), AGENTRAG_KEY (a viewer key of
//                                the tenant holding R-data.pdf and R-intro.pdf), AGENTRAG_OTHER_KEY (a key of a tenant
//                                holding only nodejs-url.md)
//   node client.test.mjs stdio   AGENTRAG_CLI (the built agentrag.dll, spawned as `dotnet agentrag.dll mcp`),
//                                AGENTRAG_DATA (its data folder, with R-data.pdf and R-intro.pdf in the default tenant)
//
// Lists the tools, resources and templates, calls every tool, reads resources, and checks what comes back. Exits 0
// and prints "every check passed over <transport>" only when all of them hold; otherwise exits 1 with the failure.
import assert from 'node:assert/strict';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport, getDefaultEnvironment } from '@modelcontextprotocol/sdk/client/stdio.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';

const transportName = process.argv[2];
const expectedTools = ['search', 'keyword_search', 'ask', 'list_documents', 'get_document', 'get_chunk', 'calculator'];
let checks = 0;

function required(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set`);
  }
  return value;
}

function check(description, assertion) {
  try {
    assertion();
  } catch (error) {
    error.message = `${description}: ${error.message}`;
    throw error;
  }
  checks++;
}

async function connect(transport) {
  const client = new Client({ name: 'agentrag-ts-sdk-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

function httpTransport(key) {
  const headers = key ? { Authorization: `Bearer ${key}` } : {};
  return new StreamableHTTPClientTransport(new URL('/mcp', required('AGENTRAG_URL')), { requestInit: { headers } });
}

function stdioTransport() {
  const environment = { ...getDefaultEnvironment() };
  // The SDK passes only a minimal environment: add dotnet's, and the product's own settings (AgentRag__*), such as the
  // test run's embedding provider, so the spawned server is configured as the test process is.
  for (const [name, value] of Object.entries(process.env)) {
    if (value && (['DOTNET_ROOT', 'DOTNET_CLI_HOME', 'DOTNET_NOLOGO', 'DOTNET_CLI_TELEMETRY_OPTOUT'].includes(name) || name.startsWith('AgentRag__'))) {
      environment[name] = value;
    }
  }
  return new StdioClientTransport({
    command: 'dotnet',
    args: [required('AGENTRAG_CLI'), 'mcp', '--data', required('AGENTRAG_DATA')],
    env: environment,
    stderr: 'inherit',
  });
}

/** The JSON a successful tool call returned, as structured content and as the same JSON in its text. */
async function callJson(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  const text = result.content.filter(c => c.type === 'text').map(c => c.text).join('\n');
  assert.notEqual(result.isError, true, `${name} failed: ${text}`);
  const parsed = JSON.parse(text);
  if (result.structuredContent !== undefined) {
    assert.deepEqual(result.structuredContent, parsed, `${name}: structured content differs from the text`);
  }
  return parsed;
}

/** The error text of a tool call that must fail as a tool result (isError), not as a protocol error. */
async function callError(client, name, args) {
  const result = await client.callTool({ name, arguments: args });
  assert.equal(result.isError, true, `${name} ${JSON.stringify(args)} did not fail`);
  return result.content.filter(c => c.type === 'text').map(c => c.text).join('\n');
}

async function protocolErrorCode(action) {
  try {
    await action();
  } catch (error) {
    assert.ok(error instanceof McpError, `expected an McpError, got ${error}`);
    return error.code;
  }
  assert.fail('the request succeeded');
}

/** Everything the default tenant's client sees: R-data.pdf and R-intro.pdf. */
async function checkDefaultTenant(client) {
  check('server identity', () => {
    assert.equal(client.getServerVersion()?.name, 'agentrag');
    assert.ok(client.getServerCapabilities()?.tools, 'no tools capability');
    assert.ok(client.getServerCapabilities()?.resources, 'no resources capability');
    assert.match(client.getInstructions() ?? '', /search/);
  });

  const { tools } = await client.listTools();
  check('tools/list', () => {
    assert.deepEqual(tools.map(t => t.name).sort(), [...expectedTools].sort());
    for (const tool of tools) {
      assert.equal(tool.inputSchema.type, 'object', tool.name);
      assert.equal(tool.annotations?.readOnlyHint, true, tool.name);
      assert.ok((tool.description ?? '').length > 20, `${tool.name} has no description`);
    }
    const search = tools.find(t => t.name === 'search').inputSchema;
    assert.deepEqual(search.required, ['query']);
    assert.equal(search.properties.k.maximum, 50);
  });

  const search = await callJson(client, 'search', { query: 'import data from a spreadsheet', k: 5 });
  check('search', () => {
    assert.equal(search.hits.length, 5);
    assert.deepEqual(search.hits.map(h => h.rank), [1, 2, 3, 4, 5]);
    assert.ok(search.hits.some(h => h.documentName === 'R-data.pdf'), 'R-data.pdf is not in the top five');
    for (const hit of search.hits) {
      assert.equal(hit.uri, `agentrag://documents/${hit.documentId}/chunks/${hit.chunkId}`);
      assert.ok(hit.pages.length > 0, `hit ${hit.rank} has no pages`);
    }
  });

  const keyword = await callJson(client, 'keyword_search', { query: '"read.table" doc:R-intro.pdf', k: 5 });
  check('keyword_search', () => {
    assert.ok(keyword.hits.length > 0, 'no hits');
    assert.ok(keyword.hits.every(h => h.documentName === 'R-intro.pdf'), 'a hit outside R-intro.pdf');
    assert.ok(keyword.hits.some(h => h.text.includes('read.table')), 'no hit contains read.table');
  });

  const list = await callJson(client, 'list_documents', { status: 'ready' });
  check('list_documents', () => {
    assert.equal(list.total, 2);
    assert.deepEqual(list.documents.map(d => d.fileName).sort(), ['R-data.pdf', 'R-intro.pdf']);
  });
  const rData = list.documents.find(d => d.fileName === 'R-data.pdf');

  const document = await callJson(client, 'get_document', { id: rData.id });
  check('get_document', () => {
    assert.equal(document.document.fileName, 'R-data.pdf');
    assert.equal(document.document.pageCount, 41);
    assert.equal(document.chunks.length, document.document.chunkCount);
    assert.deepEqual(document.chunks.map(c => c.ordinal), document.chunks.map((_, i) => i));
  });

  const spreadsheetHit = (await callJson(client, 'search', { query: 'spreadsheet', k: 1, documents: ['R-data.pdf'] })).hits[0];
  const chunk = await callJson(client, 'get_chunk', { id: spreadsheetHit.chunkId });
  check('get_chunk', () => {
    assert.equal(chunk.documentName, 'R-data.pdf');
    assert.equal(chunk.text, spreadsheetHit.text);
    assert.deepEqual(chunk.pages, spreadsheetHit.pages);
  });

  const sum = await callJson(client, 'calculator', { expression: '(2 + 3) * 4 / 8' });
  check('calculator', () => assert.equal(sum.result, '2.5'));

  const answer = await callJson(client, 'ask', { question: 'How do I assign a value to a variable in R?' });
  check('ask', () => {
    assert.ok(answer.answer.trim().length > 0, 'empty answer');
    assert.ok(answer.citations.length > 0, 'no citations');
    assert.equal(answer.citations[0].documentName, 'R-intro.pdf');
    assert.ok(answer.citations[0].pages.includes(14), `cited pages ${answer.citations[0].pages}`);
  });

  const badK = await callError(client, 'search', { query: 'tables', k: 0 });
  check('a bad argument is a tool error', () =>
    assert.match(badK, /Invalid arguments for tool 'search': 'k' must be between 1 and 50; it was 0\./));
  const unknownTool = await protocolErrorCode(() => client.callTool({ name: 'drop_database', arguments: {} }));
  check('an unknown tool is invalid params', () => assert.equal(unknownTool, ErrorCode.InvalidParams));

  const { resources } = await client.listResources();
  const { resourceTemplates } = await client.listResourceTemplates();
  check('resources/list and resources/templates/list', () => {
    assert.deepEqual(resources.map(r => r.name).sort(), ['R-data.pdf', 'R-intro.pdf']);
    assert.ok(resources.some(r => r.uri === `agentrag://documents/${rData.id}`));
    assert.deepEqual(resourceTemplates.map(t => t.uriTemplate).sort(),
      ['agentrag://documents/{documentId}', 'agentrag://documents/{documentId}/chunks/{chunkId}']);
  });

  const read = await client.readResource({ uri: `agentrag://documents/${rData.id}` });
  check('resources/read of a document', () => {
    assert.equal(read.contents[0].mimeType, 'application/json');
    const detail = JSON.parse(read.contents[0].text);
    assert.equal(detail.document.fileName, 'R-data.pdf');
    assert.equal(read.contents.length, detail.document.chunkCount + 1);
    assert.ok(read.contents.slice(1).every(c => c.mimeType === 'text/plain' && c.uri.startsWith(`agentrag://documents/${rData.id}/chunks/`)));
  });
  const oneChunk = await client.readResource({ uri: read.contents[3].uri });
  check('resources/read of a chunk', () => assert.equal(oneChunk.contents[0].text, read.contents[3].text));
  const missing = await protocolErrorCode(() => client.readResource({ uri: 'agentrag://documents/doc_doesnotexist000' }));
  check('an unknown resource is resource not found', () => assert.equal(missing, -32002));

  return rData.id;
}

/** Over HTTP the tenant is the credential's: another tenant's key sees only its own document, and no key gets 401. */
async function checkTenancyOverHttp(rDataId) {
  const other = await connect(httpTransport(required('AGENTRAG_OTHER_KEY')));
  try {
    const list = await callJson(other, 'list_documents', {});
    check('the other tenant lists only its document', () => assert.deepEqual(list.documents.map(d => d.fileName), ['nodejs-url.md']));
    const foreign = await callError(other, 'get_document', { id: rDataId });
    check('the other tenant cannot get the first tenant\'s document', () => assert.match(foreign, /No document/));
    const code = await protocolErrorCode(() => other.readResource({ uri: `agentrag://documents/${rDataId}` }));
    check('the other tenant cannot read the first tenant\'s resource', () => assert.equal(code, -32002));
  } finally {
    await other.close();
  }

  let refused;
  try {
    await connect(httpTransport(null));
  } catch (error) {
    refused = error;
  }
  check('no credential is refused with 401', () => {
    assert.ok(refused, 'connected without a credential');
    assert.match(String(refused), /401/);
  });
}

async function main() {
  if (transportName === 'http') {
    const client = await connect(httpTransport(required('AGENTRAG_KEY')));
    let rDataId;
    try {
      check('no session over stateless HTTP', () => assert.equal(client.transport?.sessionId, undefined));
      rDataId = await checkDefaultTenant(client);
    } finally {
      await client.close();
    }
    await checkTenancyOverHttp(rDataId);
  } else if (transportName === 'stdio') {
    const client = await connect(stdioTransport());
    try {
      await checkDefaultTenant(client);
    } finally {
      await client.close();
    }
  } else {
    throw new Error('usage: node client.test.mjs http|stdio');
  }
  console.log(`${checks} checks: every check passed over ${transportName}`);
}

main().catch(error => {
  console.error(error);
  process.exit(1);
});
