/**
 * Phone numbers (MDNs). People and scripts write the same number many ways (`+1 555-000-1111`,
 * `5550001111`, `(555) 000-1111`); kzops sends, and the simulator stores, E.164
 * (`+15550001111`).
 */

/** Separators that carry no meaning inside a typed phone number. */
const SEPARATORS = /[\s().-]/g;

/**
 * What a request may send as an MDN (for JSON Schema `pattern`): an optional `+`, then 10 to
 * 15 digits with separators anywhere. Anything matching it normalises successfully.
 */
export const MDN_INPUT_PATTERN = '^[\\s().-]*\\+?[\\s().-]*(?:[0-9][\\s().-]*){10,15}$';

/**
 * The E.164 form of a typed number, or null when it is not one. Ten digits without a `+`
 * are a NANP number missing its country code (`1`); longer digit strings already carry one.
 */
export function normalizeMdn(raw: string): string | null {
  const match = /^(\+?)([0-9]{10,15})$/.exec(raw.replace(SEPARATORS, ''));
  if (!match) return null;
  const [, plus, digits = ''] = match;
  if (!plus && digits.length === 10) return `+1${digits}`;
  return `+${digits}`;
}
