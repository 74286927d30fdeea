#!/usr/bin/env node
/**
 * Checks an OpenAPI document: valid against the OpenAPI 3.1 schema (@seriousme/openapi-schema-validator),
 * and every `pattern` a plain ECMA-262 pattern — not a JS literal's tail like `…$/u`, compilable
 * with the `u` flag JSON Schema implies, and matching the schema's own examples.
 *
 *   node scripts/check-openapi.mjs http://127.0.0.1:8787/openapi.json    (exit 1 with the problems)
 *
 * The tests call `checkOpenApi` through a service binding that vitest.config.ts runs in Node: the
 * validator compiles with `new Function`, which workerd forbids.
 */
import { pathToFileURL } from 'node:url';
import { Validator } from '@seriousme/openapi-schema-validator';

const JS_FLAGS_TAIL = /\/[dgimsuvy]+$/;

/**
 * Calls `visit` on every object inside `node`, with its JSON pointer.
 * @param {unknown} node
 * @param {string} at
 * @param {(value: Record<string, unknown>, at: string) => void} visit
 */
function walk(node, at, visit) {
  if (node === null || typeof node !== 'object') return;
  if (!Array.isArray(node)) visit(/** @type {Record<string, unknown>} */ (node), at);
  for (const [key, value] of Object.entries(node)) walk(value, `${at}/${key}`, visit);
}

/**
 * @param {Record<string, unknown>} schema
 * @param {string} at
 * @returns {string[]}
 */
function patternProblems(schema, at) {
  const { pattern } = schema;
  if (typeof pattern !== 'string') return [];
  if (JS_FLAGS_TAIL.test(pattern)) return [`${at}/pattern ends in a JS regex flag suffix: ${pattern}`];
  let regex;
  try {
    regex = new RegExp(pattern, 'u');
  } catch (err) {
    return [`${at}/pattern is not an ECMA-262 pattern (${err instanceof Error ? err.message : err}): ${pattern}`];
  }
  const examples = [schema.example, ...(Array.isArray(schema.examples) ? schema.examples : [])];
  return examples
    .filter((example) => typeof example === 'string' && !regex.test(example))
    .map((example) => `${at}: example ${JSON.stringify(example)} does not match its pattern ${pattern}`);
}

/**
 * The document's problems, one line each; empty when it passes.
 * @param {unknown} document
 * @returns {Promise<string[]>}
 */
export async function checkOpenApi(document) {
  const problems = [];
  const result = await new Validator().validate(
    /** @type {import("@seriousme/openapi-schema-validator").SpecData} */ (structuredClone(document)),
  );
  if (!result.valid) {
    for (const error of [result.errors].flat()) {
      problems.push(typeof error === 'string' ? error : `${error?.instancePath ?? ''} ${error?.message ?? JSON.stringify(error)}`);
    }
  }
  walk(document, '#', (schema, at) => problems.push(...patternProblems(schema, at)));
  return problems;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const url = process.argv[2];
  if (!url) {
    console.error('usage: node scripts/check-openapi.mjs <url of openapi.json>');
    process.exit(2);
  }
  const res = await fetch(url).catch((err) => {
    console.error(`Could not reach ${url} (${err.cause?.code ?? err.message}); is the server running (npm start)?`);
    process.exit(1);
  });
  if (!res.ok) {
    console.error(`GET ${url} → ${res.status}`);
    process.exit(1);
  }
  const problems = await checkOpenApi(await res.json());
  for (const line of problems) console.error(line);
  console.log(problems.length === 0 ? `OpenAPI document at ${url} is valid` : `${problems.length} problem(s) in ${url}`);
  process.exit(problems.length === 0 ? 0 : 1);
}
