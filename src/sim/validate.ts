/**
 * Request validation with ajv, reported the KAZOO way: `400 validation error` whose `data`
 * is keyed by dotted field path, then by the failed rule.
 */
import { Ajv2020, type ErrorObject, type Schema, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { SimError, validationError, type FieldErrors } from './errors.js';
import { type Json, type JsonObject } from './model.js';
import type { SimRequest } from './route.js';
import { isRecord } from '../core/json.js';

// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = addFormatsModule as unknown as typeof addFormatsModule.default;

const ajv = new Ajv2020({ allErrors: true, strict: true, allowUnionTypes: true });
addFormats(ajv);

const SECRET_FIELD = /(^|\.)(api_key|password|credentials|secret)$/;

function dotted(instancePath: string): string {
  return instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

function valueAt(root: unknown, path: string): unknown {
  let cur: unknown = root;
  for (const seg of path ? path.split('.') : []) {
    if (Array.isArray(cur)) cur = cur[Number(seg)];
    else if (isRecord(cur)) cur = cur[seg];
    else return undefined;
  }
  return cur;
}

function toFieldErrors(errors: ErrorObject[], root: unknown, prefix: string): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) {
    let path = dotted(e.instancePath);
    const rule = e.keyword;
    let message = e.message ?? 'invalid';
    if (e.keyword === 'required') {
      const missing = (e.params as { missingProperty: string }).missingProperty;
      path = path ? `${path}.${missing}` : missing;
      message = 'Field is required but missing';
    } else if (e.keyword === 'additionalProperties') {
      const extra = (e.params as { additionalProperty: string }).additionalProperty;
      path = path ? `${path}.${extra}` : extra;
      message = 'Field is not allowed here';
    } else if (e.keyword === 'if' || e.keyword === 'anyOf' || e.keyword === 'oneOf') {
      continue; // the branch errors beside it say what is wrong
    }
    const full = prefix ? (path ? `${prefix}.${path}` : prefix) : path;
    const detail: JsonObject = { message };
    const value = valueAt(root, path);
    if (value !== undefined && e.keyword !== 'required' && !SECRET_FIELD.test(full))
      detail.value = value as Json;
    (out[full] ??= {})[rule] = detail;
  }
  return out;
}

export type Validator = (value: unknown, prefix?: string) => void;

/** Compiles a JSON Schema (2020-12) into a function that throws a KAZOO validation error. */
export function compileValidator(schema: Schema): Validator {
  const fn: ValidateFunction = ajv.compile(schema);
  return (value, prefix = '') => {
    if (!fn(value)) throw validationError(toFieldErrors(fn.errors ?? [], value, prefix));
  };
}

/** The request's `data` object; a missing or non-object `data` is a validation error. */
export function requireData(req: SimRequest): JsonObject {
  const data = req.body?.data;
  if (data === undefined) {
    throw validationError({ data: { required: { message: 'Field is required but missing' } } });
  }
  if (!isRecord(data)) {
    throw validationError({ data: { type: { message: 'Value is not of type object' } } });
  }
  return data;
}

/** A boolean envelope flag beside `data` (`recursive`), or a query flag (`cascade=true`). */
export function flag(req: SimRequest, name: string): boolean {
  const inBody = req.body?.[name];
  if (inBody !== undefined) {
    if (typeof inBody !== 'boolean') {
      throw validationError({ [name]: { type: { message: 'Value is not of type boolean', value: inBody } } });
    }
    return inBody;
  }
  const q = req.query.get(name);
  if (q === null) return false;
  if (q === 'true') return true;
  if (q === 'false') return false;
  throw validationError({ [name]: { type: { message: 'Value is not of type boolean', value: q } } });
}

export { SimError };
