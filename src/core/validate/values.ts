/**
 * Safe reads of parsed documents. The semantic stages also run on files the schema rejected
 * (so one mistake does not hide another), so nothing about a value's shape can be assumed.
 */
import { isRecord } from '../json.js';

/** The mapping at `key`, or an empty one when absent or not a mapping. */
export function recordAt(value: unknown, key: string): Record<string, unknown> {
  const v = isRecord(value) ? value[key] : undefined;
  return isRecord(v) ? v : {};
}

/** The list at `key`, or an empty one. */
export function listAt(value: unknown, key: string): unknown[] {
  const v = isRecord(value) ? value[key] : undefined;
  return Array.isArray(v) ? (v as unknown[]) : [];
}

/** The text at `key`, or undefined when absent or not text. */
export function stringAt(value: unknown, key: string): string | undefined {
  const v = isRecord(value) ? value[key] : undefined;
  return typeof v === 'string' ? v : undefined;
}
