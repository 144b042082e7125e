// The JavaScript peers of `agentrag bench peers` (docs/benchmarks.md): indexes the documents of <input>/docs.jsonl
// ({"id","text"} per line) with one engine and runs the query sets of <input>/spec.json, then prints one JSON object with
// the timings. Both engines get the same analysis: lower case, split on anything but letters and digits, the given
// stopwords removed, Porter2 stemming (wink-porter2-stemmer, the stemmer of the wink family). Run by
// src/AgentRag.Benchmarks.Peers/JsPeerRunner.cs as: node --expose-gc --max-old-space-size=N peers.mjs <engine> <input>
import fs from 'node:fs';
import readline from 'node:readline';
import { createRequire } from 'node:module';
import MiniSearch from 'minisearch';

const require = createRequire(import.meta.url);
const winkBm25 = require('wink-bm25-text-search');
const stem = require('wink-porter2-stemmer');

// The installed version of a package, read from its folder (MiniSearch's exports map hides its package.json).
const versionOf = (name) => JSON.parse(fs.readFileSync(new URL(`./node_modules/${name}/package.json`, import.meta.url), 'utf8')).version;

const [engineName, input] = process.argv.slice(2);
if (!engineName || !input) {
  console.error('usage: node peers.mjs <minisearch|wink-bm25> <input folder>');
  process.exit(2);
}

const spec = JSON.parse(fs.readFileSync(`${input}/spec.json`, 'utf8'));
const stopWords = new Set(spec.stopWords);
const split = (text) => text.toLowerCase().split(/[^\p{L}\p{N}]+/u);
const analyze = (text) => {
  const terms = [];
  for (const word of split(text)) {
    if (word.length > 0 && !stopWords.has(word)) {
      terms.push(stem(word));
    }
  }
  return terms;
};

const engines = {
  minisearch: {
    version: versionOf('minisearch'),
    create() {
      return new MiniSearch({
        fields: ['text'],
        idField: 'id',
        tokenize: split,
        processTerm: (term) => (term.length === 0 || stopWords.has(term) ? null : stem(term)),
        searchOptions: { bm25: { k: spec.k1, b: spec.b, d: 0 }, combineWith: 'OR', prefix: false, fuzzy: false },
      });
    },
    add(engine, documents) {
      engine.addAll(documents);
    },
    finish() {},
    // MiniSearch has no top-k: it scores and sorts every match.
    search: (engine, query, k) => engine.search(query).slice(0, k).map((r) => r.id),
  },
  'wink-bm25': {
    version: versionOf('wink-bm25-text-search'),
    create() {
      const engine = winkBm25();
      engine.defineConfig({ fldWeights: { text: 1 }, bm25Params: { k1: spec.k1, b: spec.b, k: 1 } });
      engine.definePrepTasks([analyze]);
      return engine;
    },
    add(engine, documents) {
      for (const document of documents) {
        engine.addDoc({ text: document.text }, document.id);
      }
    },
    finish(engine) {
      engine.consolidate(4);
    },
    search: (engine, query, k) => engine.search(query, k).map((r) => r[0]),
  },
};

const peer = engines[engineName];
if (!peer) {
  console.error(`unknown engine '${engineName}': use ${Object.keys(engines).join(' or ')}`);
  process.exit(2);
}

const documents = [];
const lines = readline.createInterface({ input: fs.createReadStream(`${input}/docs.jsonl`, 'utf8'), crlfDelay: Infinity });
for await (const line of lines) {
  if (line.length > 0) {
    documents.push(JSON.parse(line));
  }
}

global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const engine = peer.create();
const started = process.hrtime.bigint();
peer.add(engine, documents);
peer.finish(engine);
const indexSeconds = Number(process.hrtime.bigint() - started) / 1e9;
global.gc?.();
const heapAfter = process.memoryUsage().heapUsed;

const sets = [];
for (const set of spec.sets) {
  const timingsMs = [];
  const hits = [];
  set.queries.forEach((query, i) => {
    const t0 = process.hrtime.bigint();
    const ids = peer.search(engine, query, set.k);
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (i >= set.warmUp) {
      timingsMs.push(ms);
      if (set.returnHits) {
        hits.push(ids.map(String));
      }
    }
  });
  sets.push({ name: set.name, timingsMs, hits: set.returnHits ? hits : null });
}

process.stdout.write(JSON.stringify({
  engine: engineName,
  version: peer.version,
  node: process.version,
  documents: documents.length,
  indexSeconds,
  indexHeapBytes: heapAfter - heapBefore,
  peakRssBytes: process.resourceUsage().maxRSS * 1024,
  sets,
}) + '\n');
