// Validates rendered Kubernetes manifests (multi-document YAML, from a file or standard input) strictly and offline:
//   node deploy/tools/validate.mjs [--schema-only] [--with-objects] [FILE]
// prints a JSON report (each object's apiVersion, kind, name and errors; --with-objects adds the object itself); exit
// 0 when every object is valid, 1 when any is not, 2 when the input cannot be read. --schema-only skips the
// unknown-field check on Kubernetes objects (what kubernetes-models' own validation accepts).
//
// Kubernetes objects: the JSON schemas of kubernetes-models (generated from the Kubernetes OpenAPI document), made
// strict. Those schemas do not forbid unknown fields (@kubernetes-models/validate alone accepts a misspelled
// `readinesProbe`), so each object is validated through a proxy that records every field the schema looked up: a field
// the schema never asked for, in an object whose keys it did not enumerate as a map (labels, annotations, data), is
// unknown. Dapr objects (dapr.io/v1alpha1): dapr-schemas.json, written from Dapr's documented fields, with
// additionalProperties false throughout, plus each component type's documented metadata names and the sidecar
// annotations. An apiVersion/kind known to neither is an error.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseAllDocuments } from "yaml";
import Ajv from "ajv";

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const modelsRoot = dirname(require.resolve("kubernetes-models/package.json"));

const options = process.argv.slice(2).filter(a => a.startsWith("--"));
const unknownOptions = options.filter(o => o !== "--schema-only" && o !== "--with-objects");
if (unknownOptions.length > 0) {
  console.error(`validate.mjs: unknown option ${unknownOptions[0]} (accepted: --schema-only, --with-objects).`);
  process.exit(2);
}
const schemaOnly = options.includes("--schema-only");
const withObjects = options.includes("--with-objects");

function readInput() {
  const file = process.argv.slice(2).find(a => !a.startsWith("--"));
  return file && file !== "-" ? readFileSync(file, "utf8") : readFileSync(0, "utf8");
}

// --- Kubernetes objects ----------------------------------------------------------------------------------------------
const schemaCache = new Map();
async function kubernetesValidator(apiVersion, kind) {
  const key = `${apiVersion}/${kind}`;
  if (schemaCache.has(key)) return schemaCache.get(key);
  let validate = null;
  try {
    // kubernetes-models/<group>/<version>/<Kind>.js imports its schema from _schemas/<Name>.js.
    const modelFile = join(modelsRoot, apiVersion, `${kind}.js`);
    const schemaName = /_schemas\/(\w+)\.js/.exec(readFileSync(modelFile, "utf8"))?.[1];
    if (schemaName) {
      ({ validate } = await import(pathToFileURL(join(modelsRoot, "_schemas", `${schemaName}.js`)).href));
    }
  } catch {
    validate = null;
  }
  schemaCache.set(key, validate);
  return validate;
}

/** Wraps value so that every property read and every key enumeration is recorded under its JSON pointer. */
function recording(value, path, looked, enumerated) {
  if (value === null || typeof value !== "object") return value;
  return new Proxy(value, {
    get(target, property, receiver) {
      const result = Reflect.get(target, property, receiver);
      if (typeof property !== "string") return result;
      if (!Array.isArray(target)) {
        if (!looked.has(path)) looked.set(path, new Set());
        looked.get(path).add(property);
      }
      return Object.prototype.hasOwnProperty.call(target, property)
        ? recording(result, `${path}/${escape(property)}`, looked, enumerated)
        : result;
    },
    ownKeys(target) {
      enumerated.add(path);
      return Reflect.ownKeys(target);
    },
  });
}

function escape(key) {
  return key.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Fields of value that the schema never looked up, in objects it did not enumerate. */
function unknownFields(value, path, looked, enumerated, found) {
  if (value === null || typeof value !== "object") return found;
  if (Array.isArray(value)) {
    value.forEach((item, i) => unknownFields(item, `${path}/${i}`, looked, enumerated, found));
    return found;
  }
  const known = looked.get(path) ?? new Set();
  for (const key of Object.keys(value)) {
    if (!enumerated.has(path) && !known.has(key)) {
      found.push(`${path || "/"}: unknown field '${key}'`);
      continue;
    }
    unknownFields(value[key], `${path}/${escape(key)}`, looked, enumerated, found);
  }
  return found;
}

async function validateKubernetes(object) {
  const validate = await kubernetesValidator(object.apiVersion, object.kind);
  if (!validate) return [`no Kubernetes schema for ${object.apiVersion} ${object.kind}`];
  const looked = new Map();
  const enumerated = new Set();
  const errors = [];
  if (!validate(recording(object, "", looked, enumerated))) {
    for (const e of validate.errors ?? []) {
      errors.push(`${e.instancePath || "/"}: ${e.keyword} ${JSON.stringify(e.params)}`);
    }
  }
  return schemaOnly ? errors : errors.concat(unknownFields(object, "", looked, enumerated, []));
}

// --- Dapr objects ------------------------------------------------------------------------------------------------------
const dapr = JSON.parse(readFileSync(join(here, "dapr-schemas.json"), "utf8"));
// strictRequired off: the metadata items say "value, secretKeyRef or envRef" with oneOf over required lists.
const ajv = new Ajv({ allErrors: true, strict: true, strictRequired: false });
const daprValidators = Object.fromEntries(
  Object.entries(dapr.kinds).map(([kind, schema]) => [kind, ajv.compile({ ...schema, $defs: dapr.$defs })]));

function validateDapr(object) {
  const validate = daprValidators[object.kind];
  if (object.apiVersion !== "dapr.io/v1alpha1" || !validate) return [`no Dapr schema for ${object.apiVersion} ${object.kind}`];
  const errors = validate(object) ? [] : validate.errors.map(e =>
    `${e.instancePath || "/"}: ${e.keyword === "additionalProperties" ? `unknown field '${e.params.additionalProperty}'` : `${e.keyword} ${JSON.stringify(e.params)}`}`);
  if (object.kind === "Component" && errors.length === 0) {
    const type = `${object.spec.type}/${object.spec.version}`;
    const names = dapr.componentMetadata[type];
    if (!names) {
      errors.push(`/spec/type: no documented metadata for component type ${type}`);
    } else {
      object.spec.metadata?.forEach((item, i) => {
        if (!names.includes(item.name)) errors.push(`/spec/metadata/${i}/name: '${item.name}' is not a documented field of ${type}`);
      });
    }
  }
  return errors;
}

function validateDaprAnnotations(object) {
  const annotations = object.spec?.template?.metadata?.annotations ?? {};
  return Object.keys(annotations)
    .filter(name => name.startsWith("dapr.io/") && !dapr.annotations.includes(name))
    .map(name => `/spec/template/metadata/annotations: '${name}' is not a documented Dapr annotation`);
}

// --- cross-references between Dapr objects ------------------------------------------------------------------------------
function crossReferences(objects) {
  const errors = [];
  const byKind = kind => objects.filter(o => o.apiVersion === "dapr.io/v1alpha1" && o.kind === kind);
  const components = new Set(byKind("Component").map(o => o.metadata.name));
  const configurations = new Set(byKind("Configuration").map(o => o.metadata.name));
  for (const resiliency of byKind("Resiliency")) {
    const policies = resiliency.spec?.policies ?? {};
    const check = (where, target) => {
      for (const [field, group] of [["timeout", "timeouts"], ["retry", "retries"], ["circuitBreaker", "circuitBreakers"]]) {
        if (target?.[field] !== undefined && !(target[field] in (policies[group] ?? {}))) {
          errors.push(`Resiliency ${resiliency.metadata.name} ${where}: ${field} '${target[field]}' names no policy in spec.policies.${group}`);
        }
      }
    };
    for (const [name, target] of Object.entries(resiliency.spec?.targets?.components ?? {})) {
      if (!components.has(name)) errors.push(`Resiliency ${resiliency.metadata.name}: component target '${name}' names no Component`);
      check(`components.${name}.outbound`, target.outbound);
      check(`components.${name}.inbound`, target.inbound);
    }
    for (const [name, target] of Object.entries(resiliency.spec?.targets?.actors ?? {})) check(`actors.${name}`, target);
    for (const [name, target] of Object.entries(resiliency.spec?.targets?.apps ?? {})) check(`apps.${name}`, target);
  }
  for (const deployment of objects.filter(o => o.kind === "Deployment")) {
    const config = deployment.spec?.template?.metadata?.annotations?.["dapr.io/config"];
    if (config !== undefined && !configurations.has(config)) {
      errors.push(`Deployment ${deployment.metadata.name}: dapr.io/config '${config}' names no Configuration`);
    }
  }
  return errors;
}

// --- main ------------------------------------------------------------------------------------------------------------------
let documents;
try {
  // YAML 1.1, as Kubernetes reads manifests (yes/no/on/off are booleans there).
  documents = parseAllDocuments(readInput(), { version: "1.1" });
} catch (error) {
  console.error(`validate.mjs: cannot read the input: ${error.message}`);
  process.exit(2);
}
const report = { objects: [], errors: 0 };
const objects = [];
for (const document of documents) {
  if (document.errors.length > 0) {
    report.objects.push({ kind: "(YAML)", name: "", errors: document.errors.map(e => e.message) });
    continue;
  }
  const object = document.toJS();
  if (object === null) continue;
  objects.push(object);
  const errors = object.apiVersion?.startsWith("dapr.io/")
    ? validateDapr(object)
    : (await validateKubernetes(object)).concat(validateDaprAnnotations(object));
  report.objects.push({
    apiVersion: object.apiVersion, kind: object.kind, name: object.metadata?.name ?? "", errors,
    ...(withObjects ? { object } : {}),
  });
}
const references = crossReferences(objects);
if (references.length > 0) report.objects.push({ kind: "(references)", name: "", errors: references });
report.errors = report.objects.reduce((n, o) => n + o.errors.length, 0);
console.log(JSON.stringify(report, null, 2));
process.exit(report.errors === 0 ? 0 : 1);
