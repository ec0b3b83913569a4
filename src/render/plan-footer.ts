import { shortFingerprint } from '../core/plan/fingerprint.js';

/**
 * The text plan with `Plan fingerprint: <12 hex>` in its footer, just above the summary line:
 * the summary stays the last line, where people and scripts look for it.
 */
export function withFingerprintLine(text: string, fingerprint: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  lines.splice(-1, 0, `Plan fingerprint: ${shortFingerprint(fingerprint)}`);
  return lines.join('\n') + '\n';
}
