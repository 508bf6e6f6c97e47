// Compiles every schema of chuangdai's OpenAPI document with ajv in its
// default (strict) mode: JSON Schema draft-07 with OpenAPI 3.0's
// "nullable", the formats of ajv-formats and OpenAPI's "binary". The
// document's "#/components/schemas/X" become "#/definitions/X" of one root
// schema; each component and each request and response body schema is
// compiled. Usage: node check.mjs openapi.json
import { readFileSync } from "node:fs";
import Ajv from "ajv";
import addFormats from "ajv-formats";

const doc = JSON.parse(readFileSync(process.argv[2], "utf8"));
const ajv = new Ajv({ allErrors: true });
addFormats(ajv);
ajv.addFormat("binary", true);

const root = "chuangdai-openapi";
const rewrite = (v) => {
  if (Array.isArray(v)) return v.map(rewrite);
  if (v && typeof v === "object") {
    const out = {};
    for (const [k, x] of Object.entries(v)) {
      out[k] = k === "$ref" && typeof x === "string" ? x.replace("#/components/schemas/", root + "#/definitions/") : rewrite(x);
    }
    return out;
  }
  return v;
};

const failures = [];
const compile = (where, schema) => {
  try {
    ajv.compile(rewrite(schema));
  } catch (e) {
    failures.push(`${where}: ${e.message}`);
  }
};

ajv.addSchema({ $id: root, definitions: rewrite(doc.components.schemas) });
let count = 0;
for (const name of Object.keys(doc.components.schemas)) {
  compile(`components/schemas/${name}`, { $ref: `#/components/schemas/${name}` });
  count++;
}
for (const [path, ops] of Object.entries(doc.paths)) {
  for (const [method, op] of Object.entries(ops)) {
    const bodies = [["request", op.requestBody?.content]];
    for (const [status, r] of Object.entries(op.responses ?? {})) bodies.push([status, r.content]);
    for (const [what, content] of bodies) {
      for (const [media, m] of Object.entries(content ?? {})) {
        if (m.schema) {
          compile(`${method.toUpperCase()} ${path} ${what} ${media}`, m.schema);
          count++;
        }
      }
    }
    for (const p of op.parameters ?? []) {
      compile(`${method.toUpperCase()} ${path} parameter ${p.name}`, p.schema);
      count++;
    }
  }
}
if (failures.length > 0) {
  console.error(`ajv refuses ${failures.length} of ${count} schemas of the OpenAPI document:`);
  for (const f of failures) console.error("  " + f);
  process.exit(1);
}
console.log(`ajv compiled all ${count} schemas of the OpenAPI document`);
