/**
 * Human views of the support API's device and subscription documents: a title line, then the
 * key fields as aligned `label  value` rows. Absent fields are left out; fields the API sends
 * as `null` (a device without a SIM) say `none`, so "not set" and "not shown" stay distinct.
 *
 * The views print what they are given: commands pass documents through `shown()` first, so a
 * secret arrives here already masked unless --show-secrets asked for it. Pure: returns strings.
 */
import pc from 'picocolors';
import type {
  AdditionalProperties,
  CarrierData,
  CarrierSubscription,
  DataCap,
  DataPolicy,
  Device,
  LookupResult,
  TopSubscription,
  Voice,
} from '../api/types.js';
import { compactValue } from './plan-text.js';
import { formatBytes } from './usage.js';
import { isRecord } from '../core/json.js';

export interface ViewOptions {
  color: boolean;
}

/** The envelope fields a view may use besides `data` (`ApiResult.envelope`). */
export type ViewEnvelope = Readonly<Record<string, unknown>>;

type Colors = ReturnType<typeof pc.createColors>;
type Row = readonly [label: string, value: string];

/** KAZOO timestamps are Gregorian seconds: Unix seconds plus this. */
const GREGORIAN_OFFSET = 62_167_219_200;

/** A KAZOO timestamp (Gregorian seconds) as a Date; undefined for anything else. */
export function gregorianDate(value: unknown): Date | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) return undefined;
  const date = new Date((value - GREGORIAN_OFFSET) * 1000);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** A KAZOO timestamp as ISO 8601 UTC to the second (`2016-12-03T00:00:05Z`), or undefined. */
export function gregorianIso(value: unknown): string | undefined {
  return gregorianDate(value)?.toISOString().replace('.000Z', 'Z');
}

/** Gregorian seconds → `2016-12-03 00:00 UTC`; anything else is shown as it came. */
export function formatGregorian(value: unknown): string {
  if (typeof value !== 'number' || !Number.isFinite(value)) return compactValue(value);
  const date = gregorianDate(value);
  if (date === undefined) return String(value);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** A scalar field: absent → no row; null → `none`; text as is; anything else compact JSON. */
function text(c: Colors, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (value === null || value === '') return c.dim('none');
  if (typeof value === 'string') return value;
  return compactValue(value);
}

function list(c: Colors, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) return text(c, value);
  return value.length === 0
    ? c.dim('none')
    : value.map((v) => (typeof v === 'string' ? v : compactValue(v))).join(', ');
}

function yesNo(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'boolean') return compactValue(value);
  return value ? 'yes' : 'no';
}

/** `msid 000005550001111, csa SFRSFR415` */
function carrierData(c: Colors, value: CarrierData | null | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return text(c, value);
  const entries = Object.entries(value);
  if (entries.length === 0) return c.dim('none');
  return entries.map(([k, v]) => `${k} ${typeof v === 'string' ? v : compactValue(v)}`).join(', ');
}

function cap(c: Colors, name: string, value: DataCap | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value) || typeof value.cap !== 'number') return `${name} ${compactValue(value)}`;
  const rate = typeof value.rate === 'string' ? ` to ${value.rate}` : '';
  // A cap of 0 is the reference's "no cap".
  if (value.cap === 0) return `${name} ${c.dim('no cap')}`;
  return name === 'throttling'
    ? `${name}${rate} after ${formatBytes(value.cap, { trimZeros: true })}`
    : `${name} at ${formatBytes(value.cap, { trimZeros: true })}`;
}

/** Both shapes the reference shows: `{caps: {blocking, throttling}}` and `{blocking, throttling}`. */
function dataPolicy(c: Colors, value: DataPolicy | null | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return text(c, value);
  const caps = isRecord(value.caps) ? value.caps : value;
  const parts = [cap(c, 'blocking', caps.blocking), cap(c, 'throttling', caps.throttling)].filter(
    (p): p is string => p !== undefined,
  );
  return parts.length === 0 ? c.dim('none') : parts.join('; ');
}

/** `sip joe_mobile@sip.example.com, password <redacted>` */
function voice(c: Colors, value: Voice | null | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return text(c, value);
  const parts: string[] = [];
  const sip = isRecord(value.sip) ? value.sip : undefined;
  const who = sip ? [sip.username, sip.realm].filter((p) => typeof p === 'string').join('@') : '';
  const head = [typeof value.protocol === 'string' ? value.protocol : '', who].filter(Boolean).join(' ');
  if (head) parts.push(head);
  if (sip && sip.password !== undefined) parts.push(`password ${text(c, sip.password) ?? ''}`);
  return parts.length === 0 ? c.dim('none') : parts.join(', ');
}

function model(c: Colors, value: Device['model']): string | undefined {
  if (value === undefined) return undefined;
  if (!isRecord(value)) return text(c, value);
  const extra = [value.number, value.manufacturer].filter((v): v is string => typeof v === 'string');
  const name = typeof value.name === 'string' ? value.name : '';
  if (!name) return extra.length === 0 ? c.dim('none') : extra.join(', ');
  return extra.length === 0 ? name : `${name} (${extra.join(', ')})`;
}

/** `last_manual_update` as a time, then any other additional property as compact JSON. */
function additionalRows(value: AdditionalProperties | null | undefined): Row[] {
  if (!isRecord(value)) return [];
  const rows: Row[] = [];
  for (const [key, inner] of Object.entries(value)) {
    if (inner === undefined) continue;
    if (key === 'last_manual_update') rows.push(['last manual update', formatGregorian(inner)]);
    else rows.push([key.replaceAll('_', ' '), typeof inner === 'string' ? inner : compactValue(inner)]);
  }
  return rows;
}

function rows(entries: readonly (readonly [string, string | undefined])[]): Row[] {
  return entries.filter((e): e is Row => e[1] !== undefined);
}

function block(c: Colors, title: string, body: readonly Row[]): string {
  const width = Math.max(0, ...body.map(([label]) => label.length));
  const lines = [c.bold(title), ...body.map(([label, value]) => `  ${c.dim(label.padEnd(width))}  ${value}`)];
  return `${lines.join('\n')}\n`;
}

function str(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * A device document. The envelope's `account_id` and `carrier` (from `numbers device` and
 * `devices import`) are shown when present.
 */
export function renderDevice(device: Device, envelope: ViewEnvelope, opts: ViewOptions): string {
  const c = pc.createColors(opts.color);
  const sub = isRecord(device.subscription) ? device.subscription : undefined;
  const title = ['Device', device.id, str(device.name) === undefined ? '' : `"${device.name}"`]
    .filter(Boolean)
    .join(' ');
  const body = rows([
    ['account', text(c, envelope.account_id)],
    ['carrier', text(c, envelope.carrier)],
    ['mdn', text(c, sub?.mdn)],
    ['esn', text(c, sub?.esn)],
    ['sim', text(c, sub?.sim)],
    ['imsi', text(c, sub?.imsi)],
    ['plan', text(c, sub?.plan)],
    ['features', list(c, sub?.features)],
    ['csa', text(c, sub?.csa)],
    ['carrier data', carrierData(c, sub?.carrier_data)],
    ['activated', sub?.activation_date === undefined ? undefined : formatGregorian(sub.activation_date)],
    ['model', model(c, device.model)],
    ['data', dataPolicy(c, device.data)],
    ['voice', voice(c, device.voice)],
  ]);
  return block(c, title, [...body, ...additionalRows(device.additional_properties)]);
}

/** A subscription document of the TOP database (import, patch, delete, move answer one). */
export function renderSubscription(sub: TopSubscription, opts: ViewOptions): string {
  const c = pc.createColors(opts.color);
  const body = rows([
    ['carrier', text(c, sub.carrier_name)],
    ['mdn', text(c, sub.mdn)],
    ['esn', text(c, sub.esn)],
    ['sim', text(c, sub.sim)],
    ['imsi', text(c, sub.imsi)],
    ['plan', text(c, sub.plan)],
    ['features', list(c, sub.features)],
    ['suspended', yesNo(sub.suspended)],
    ['carrier data', carrierData(c, sub.carrier_data)],
  ]);
  return block(c, `Subscription ${sub.id}`, [...body, ...additionalRows(sub.additional_properties)]);
}

/**
 * A subscription as the carrier reports it (`devices subscription`, `numbers subscription`,
 * and the carrier half of a lookup). The carrier comes from the data, else the envelope.
 */
export function renderCarrierSubscription(
  sub: CarrierSubscription,
  envelope: ViewEnvelope,
  opts: ViewOptions,
): string {
  const c = pc.createColors(opts.color);
  const carrier = str(sub.carrier) ?? str(envelope.carrier);
  const title = carrier === undefined ? 'Carrier subscription' : `Carrier subscription (${carrier})`;
  return block(
    c,
    title,
    rows([
      ['mdn', text(c, sub.mdn)],
      ['esn', text(c, sub.esn)],
      ['sim', text(c, sub.sim)],
      ['imsi', text(c, sub.imsi)],
      ['plan', text(c, sub.plan)],
      ['features', list(c, sub.features)],
      ['suspended', yesNo(sub.suspended)],
      ['carrier data', carrierData(c, sub.carrier_data)],
      ['activated', sub.activation_date === undefined ? undefined : formatGregorian(sub.activation_date)],
    ]),
  );
}

/**
 * A subscription lookup: the carrier's record, then whether the TOP database has it, and
 * where (account, subscription id, cluster). The raw document's private fields are read for
 * that and not printed otherwise.
 */
export function renderLookup(result: LookupResult, opts: ViewOptions): string {
  const c = pc.createColors(opts.color);
  const carrier = renderCarrierSubscription(result.carrier_data, {}, opts);
  const doc = isRecord(result.document) ? result.document : undefined;
  if (doc === undefined && result.account_id === undefined) {
    return `${carrier}${c.yellow('Not in TOP')}: the subscription has not been imported into any account\n`;
  }
  const top = block(
    c,
    'In TOP',
    rows([
      ['account', text(c, result.account_id ?? doc?.pvt_account_id)],
      ['subscription', text(c, doc?._id ?? doc?.id)],
      ['carrier', text(c, doc?.pvt_carrier_name ?? doc?.carrier_name)],
      ['cluster', text(c, doc?.pvt_cluster_id)],
      ['plan', text(c, doc?.plan)],
      ['suspended', yesNo(doc?.suspended)],
      [
        'last manual update',
        isRecord(doc?.additional_properties) ? lastUpdate(doc.additional_properties) : undefined,
      ],
    ]),
  );
  return `${carrier}${top}`;
}

function lastUpdate(extra: Record<string, unknown>): string | undefined {
  return extra.last_manual_update === undefined ? undefined : formatGregorian(extra.last_manual_update);
}

/** What a mutating command prints under --dry-run after the curl lines. */
export const DRY_RUN_NOTE = 'Dry run: nothing was sent.';

/** A mutating command's whole output under --dry-run: the requests it held back, then the note. */
export function renderDryRun(curls: readonly string[]): string {
  return [...curls, DRY_RUN_NOTE].join('\n') + '\n';
}
