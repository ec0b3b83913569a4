/**
 * The planner: a pure function from the desired state (validated config), the live documents
 * and the target's state file to the plan `kzops apply` would carry out. No I/O: the caller
 * reads the config, the live documents and the state, and resolves secrets.
 *
 * Identity. Customer clusters and cluster documents are named by their server id (the file
 * name), so their id is their key. Carrier SBCs and media servers get server-assigned ids:
 * the state file maps their keys to ids; a resource with no state entry is adopted by name
 * when exactly one unclaimed live document of its kind carries that name.
 *
 * References. Config writes references as keys (`mobile_media_server: ny2`) or `id:<hex>`;
 * the server wants ids. Documents are compared with references resolved to ids; a reference
 * to a resource still to be created stays a `{ref: 'media_servers/ny2'}` placeholder (apply
 * resolves it once the target exists). The plan shows references as keys wherever the id is
 * known to kzops, and as `id:<hex>` otherwise.
 *
 * Cluster documents cannot be read (the API has no GET for them): they are compared with what
 * kzops last applied, recorded in the state as a fingerprint of the non-secret fields and a
 * salted scrypt digest per secret (older states: an HMAC, still recognised). Any difference is
 * a `replace` (delete, then create: there is no update).
 *
 * Secrets. A secret's value never enters the plan: a sensitive field shows `SENSITIVE` or
 * `SENSITIVE_CHANGED` (see below) instead of values.
 */
import { createHash, createHmac, scryptSync } from 'node:crypto';
import { ConfigError } from '../errors.js';
import {
  describeRule,
  ignoredFields,
  ignoringRule,
  setIgnoredFields,
  withoutFields,
} from '../policy/ignore.js';
import type { IgnoreRule } from '../policy/rules.js';
import { isServerAssigned, referenceAt } from '../model/kinds.js';
import { isSecretField } from '../validate/secrets.js';
import type { LoadedResource } from '../validate/types.js';
import { diffDocument, ROUTING_DIFF_RULES, type DiffRules, type FieldChange, type Path } from './diff.js';
import {
  KINDS,
  type Action,
  type Kind,
  type Plan,
  type PlannedChange,
  type PlannedField,
  type StateEntry,
  type TargetState,
  type UnmanagedResource,
} from './types.js';
import { isRecord } from '../json.js';

/** A live document as read from the API (the full GET document, `id` included). */
export interface LiveDoc {
  kind: Kind;
  id: string;
  doc: Record<string, unknown>;
}

export interface PlanInput {
  target: string;
  /** Validated config resources. */
  desired: LoadedResource[];
  /**
   * Every live routing document (customer_clusters, carrier_sbcs, media_servers). Cluster
   * documents cannot be read (no GET route): any given are ignored.
   */
  live: LiveDoc[];
  /** undefined: no state file yet. */
  state: TargetState | undefined;
  /** The target's protect entries, `<kind>/<key-or-id>`. */
  protect: string[];
  /** Never deleted or replaced (its cluster document and its routing customer cluster). */
  masterClusterId?: string;
  /** Resolved secret values for fingerprints, by `${kind}/${key}` then field path; absent when not available (e.g. a PR run without secrets). */
  secrets?: Record<string, Record<string, string>>;
  /** Per-target key for secret fingerprints; without it, secrets are not checked. */
  hmacKey?: string;
  /**
   * The target's `ignore` rules (src/core/policy/rules.ts). Live resources a resource rule
   * covers are left out entirely: never adopted, planned, deleted or listed as unmanaged.
   * Fields a field rule covers are left out of `liveFingerprint`, so another system writing
   * them does not make a saved plan stale (nor, through the state, show as drift). A config
   * resource that a rule covers, or that sets an ignored field, makes buildPlan throw a
   * ConfigError (validation catches the cases it can see without the state).
   */
  ignore?: readonly IgnoreRule[];
}

export interface PlanResult {
  plan: Plan;
  /**
   * The input state plus the ids adopted by name and, for secrets that have not changed, their
   * fingerprints in the current form (see secretFingerprint), for apply to persist. Nothing
   * else changes.
   */
  state: TargetState;
}

/**
 * What a sensitive field shows instead of its value. `before` is `SENSITIVE` when kzops has
 * applied the secret before (the state holds its fingerprint), undefined otherwise; `after` is
 * `SENSITIVE_CHANGED` when the value differs from the one last applied, `SENSITIVE` when it
 * is written but not known to change (a create, or a replace forced by other fields).
 */
export const SENSITIVE = '(sensitive)';
export const SENSITIVE_CHANGED = '(sensitive, changed)';

/** Notes the planner writes; renderers and tests may match them. */
export const NOTE_ADOPTED = 'adopted by name (no state entry)';
export const NOTE_CLUSTER_UNREADABLE =
  'cluster documents cannot be read back: compared with what kzops last applied';
export const NOTE_CLUSTER_NO_STATE =
  'cluster documents cannot be read back: no state entry, so kzops creates it (replacing any document the server already has with this id)';
export const NOTE_CLUSTER_NO_FINGERPRINT =
  'the state has no fingerprint of what kzops last applied: replacing so that it is known';
export const NOTE_PROTECTED = 'protected: apply will refuse';
export const NOTE_DUPLICATE_CREATE = 'apply will refuse to create a document with a duplicate name';

/** A reference to a resource that does not exist yet: resolved by apply once it is created. */
export interface RefPlaceholder {
  ref: `${Kind}/${string}`;
}

// ---------------------------------------------------------------------------------------
// Fingerprints

/** JSON with mapping keys sorted at every depth (code-unit order); `undefined` keys dropped. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) {
    return `[${value.map((v: unknown) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  }
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object' && value !== null) {
    const record = value as Record<string, unknown>;
    const entries = Object.keys(record)
      .filter((k) => record[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson(record[k])}`);
    return `{${entries.join(',')}}`;
  }
  if (typeof value === 'bigint') return value.toString();
  // Functions and symbols are not document values; NaN/Infinity become null, as in JSON.
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') return 'null';
  return JSON.stringify(value);
}

/** sha256 (hex) of the document's canonical JSON: equal for documents equal up to key order. */
export function fingerprintDoc(doc: Record<string, unknown>): string {
  return createHash('sha256').update(canonicalJson(doc), 'utf8').digest('hex');
}

/**
 * The cost of a secret's fingerprint: scrypt with N = 2^15, r = 8, p = 1 (32 MiB and roughly
 * 50-100 ms per guess on a current machine). The state file is committed, and it holds the
 * salt (`hmac_key`) beside each fingerprint, so the cost of one guess is all that stands
 * between the repository and an offline search for a weak cluster key.
 */
export const SECRET_KDF = { N: 32_768, r: 8, p: 1 } as const;

export interface KdfParams {
  N: number;
  r: number;
  p: number;
}

/** `scrypt$N=<N>,r=<r>,p=<p>$<64 hex>`: the parameters travel with the digest. */
const SCRYPT_FORM = /^scrypt\$N=([0-9]{1,8}),r=([0-9]{1,3}),p=([0-9]{1,3})\$([0-9a-f]{64})$/;
/** What kzops wrote before: HMAC-SHA256 (hex) under `hmac_key`, read but never written. */
const LEGACY_FORM = /^[0-9a-f]{64}$/;
/** Bounds on parameters read from a state file, so a hand-edited one cannot stall a plan. */
const MAX_KDF_MEMORY = 256 * 1024 * 1024;

const fingerprintMemo = new Map<string, string>();

function scryptFingerprint(salt: string, value: string, params: KdfParams): string {
  // Memoised per process: a plan and its apply compare and store the same secrets.
  const memoKey = createHash('sha256')
    .update(`${params.N},${params.r},${params.p}\0${salt}\0`, 'utf8')
    .update(value, 'utf8')
    .digest('hex');
  const known = fingerprintMemo.get(memoKey);
  if (known !== undefined) return known;
  const digest = scryptSync(value, salt, 32, {
    ...params,
    maxmem: 128 * params.N * params.r * params.p + 16 * 1024 * 1024,
  }).toString('hex');
  const out = `scrypt$N=${params.N},r=${params.r},p=${params.p}$${digest}`;
  fingerprintMemo.set(memoKey, out);
  return out;
}

/**
 * A secret's fingerprint as the state stores it: scrypt (SECRET_KDF) of the value, salted with
 * the target's random `hmac_key`. Comparable, not reversible, and slow to guess.
 */
export function secretFingerprint(hmacKey: string, value: string): string {
  return scryptFingerprint(hmacKey, value, SECRET_KDF);
}

/** The fingerprint kzops wrote before SECRET_KDF: HMAC-SHA256 (hex). Only compared with. */
export function legacySecretFingerprint(hmacKey: string, value: string): string {
  return createHmac('sha256', hmacKey).update(value, 'utf8').digest('hex');
}

/** What is wrong with a stored secret fingerprint, or undefined when it is one kzops reads. */
export function secretFingerprintProblem(stored: unknown): string | undefined {
  if (typeof stored !== 'string') return 'must be a string';
  if (LEGACY_FORM.test(stored)) return undefined;
  const m = SCRYPT_FORM.exec(stored);
  if (m === null)
    return 'must be scrypt$N=<N>,r=<r>,p=<p>$<64 lowercase hex> (or 64 lowercase hex, as older kzops wrote)';
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (N < 2 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || 128 * N * r * p > MAX_KDF_MEMORY) {
    return `has scrypt parameters kzops does not accept (N a power of two, 128·N·r·p at most ${MAX_KDF_MEMORY / 1024 / 1024} MiB)`;
  }
  return undefined;
}

/** Whether `stored` is the fingerprint of `value`, in the current form or an older one. */
export function secretMatches(hmacKey: string, value: string, stored: string): boolean {
  if (secretFingerprintProblem(stored) !== undefined) return false;
  if (LEGACY_FORM.test(stored)) return stored === legacySecretFingerprint(hmacKey, value);
  const m = SCRYPT_FORM.exec(stored) as RegExpExecArray;
  return stored === scryptFingerprint(hmacKey, value, { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) });
}

/** Whether `stored` is written as kzops writes fingerprints now (else the next apply rewrites it). */
export function isCurrentSecretFingerprint(stored: string): boolean {
  return (
    stored.startsWith(`scrypt$N=${SECRET_KDF.N},r=${SECRET_KDF.r},p=${SECRET_KDF.p}$`) &&
    SCRYPT_FORM.test(stored)
  );
}

/** The top-level secret fields of a cluster document (`api_key`), sorted. */
export function secretFields(doc: Record<string, unknown>): string[] {
  return Object.keys(doc)
    .filter((k) => isSecretField(k) && doc[k] !== undefined)
    .sort();
}

function withoutSecrets(doc: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(doc).filter(([k]) => !isSecretField(k)));
}

/** The fingerprint of a cluster document's non-secret fields: what apply stores in `StateEntry.fingerprint`. */
export function clusterFingerprint(doc: Record<string, unknown>): string {
  return fingerprintDoc(withoutSecrets(doc));
}

// ---------------------------------------------------------------------------------------
// References

export function isRefPlaceholder(value: unknown): value is RefPlaceholder {
  return isRecord(value) && Object.keys(value).length === 1 && typeof value.ref === 'string';
}

/** The kind a value at `path` of a `kind` document refers to, if it is a reference. */
function refTarget(kind: Kind, path: Path): Kind | undefined {
  return referenceAt(kind, path);
}

/** Rewrites every reference of a document (a copy; the input is not touched). */
function mapRefs(kind: Kind, path: Path, value: unknown, fn: (to: Kind, value: unknown) => unknown): unknown {
  const to = refTarget(kind, path);
  if (to !== undefined) return fn(to, value);
  if (Array.isArray(value)) return value.map((v: unknown, i) => mapRefs(kind, [...path, i], v, fn));
  if (isRecord(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapRefs(kind, [...path, k], v, fn)]));
  }
  return value;
}

/**
 * The document as the server wants it: keys replaced by ids (`idOf`), `id:<hex>` by `<hex>`,
 * and a key whose id is not known yet by a `{ref: '<kind>/<key>'}` placeholder. Apply calls
 * this again, with the ids of what it has created, to build request bodies.
 */
export function resolveReferences(
  kind: Kind,
  doc: Record<string, unknown>,
  idOf: (kind: Kind, key: string) => string | undefined,
): Record<string, unknown> {
  return mapRefs(kind, [], doc, (to, value) => {
    if (typeof value !== 'string') return value;
    if (value.startsWith('id:')) return value.slice(3);
    const placeholder: RefPlaceholder = { ref: `${to}/${value}` };
    return idOf(to, value) ?? placeholder;
  }) as Record<string, unknown>;
}

/** For display: ids and placeholders shown as keys, ids kzops does not know as `id:<hex>`. */
function showRefs(
  kind: Kind,
  path: Path,
  value: unknown,
  keyOf: (kind: Kind, id: string) => string | undefined,
) {
  return mapRefs(kind, path, value, (to, v) => {
    if (isRefPlaceholder(v)) return v.ref.slice(to.length + 1);
    if (typeof v === 'string') return keyOf(to, v) ?? `id:${v}`;
    return v;
  });
}

// ---------------------------------------------------------------------------------------
// The plan

const NO_RULES: DiffRules = { sets: [], ips: [] };

/** The differ's rules for a kind (cluster documents have no sets and no IP fields). */
export function rulesFor(kind: Kind): DiffRules {
  return kind === 'clusters' ? NO_RULES : ROUTING_DIFF_RULES[kind];
}

/** Code-unit order: the plan must not depend on the machine's locale. */
function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function kindOrder(kind: Kind): number {
  return KINDS.indexOf(kind);
}

/** How names compare for adoption: trimmed, case-insensitive. Apply's lost-create lookup uses the same rule. */
export function normalName(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

function parseStateKey(ref: string): { kind: Kind; key: string } | undefined {
  const slash = ref.indexOf('/');
  if (slash < 0) return undefined;
  const kind = ref.slice(0, slash) as Kind;
  if (!KINDS.includes(kind)) return undefined;
  return { kind, key: ref.slice(slash + 1) };
}

/** Kinds whose ids the server assigns: identified through the state, or adopted by name. */
const serverAssigned = isServerAssigned;

interface Identity {
  id: string | undefined;
  notes: string[];
}

export function buildPlan(input: PlanInput): PlanResult {
  const stateResources: Record<string, StateEntry> = input.state?.resources ?? {};
  const stateEntries = Object.entries(stateResources)
    .map(([ref, entry]) => ({ ref, entry, parsed: parseStateKey(ref) }))
    .filter((e): e is { ref: string; entry: StateEntry; parsed: { kind: Kind; key: string } } => !!e.parsed);

  // Live documents by kind and id (cluster documents cannot be read: never live).
  const live = new Map<Kind, Map<string, Record<string, unknown>>>(KINDS.map((k) => [k, new Map()]));
  const rules = input.ignore ?? [];
  /** Ids a resource rule covers (live documents, and ids the state or the config name), per kind. */
  const ignoredIds = new Map<string, IgnoreRule>();
  const ignoredLive: LiveDoc[] = [];
  for (const doc of input.live) {
    if (doc.kind === 'clusters') continue;
    const byId = live.get(doc.kind);
    const rule = ignoringRule(rules, { kind: doc.kind, id: doc.id, names: [nameText(doc.doc.name)] });
    if (rule !== undefined) {
      ignoredIds.set(`${doc.kind}/${doc.id}`, rule);
      ignoredLive.push(doc);
      continue;
    }
    if (byId && !byId.has(doc.id)) byId.set(doc.id, doc.doc);
  }
  const liveDoc = (kind: Kind, id: string | undefined) =>
    id === undefined ? undefined : live.get(kind)?.get(id);
  const ignoredRule = (kind: Kind, id: string | undefined) =>
    id === undefined ? undefined : (ignoredIds.get(`${kind}/${id}`) ?? ignoringRule(rules, { kind, id }));

  // Ids the state claims, per kind: never adopted by another resource, never unmanaged.
  const stateClaimed = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set()]));
  for (const { parsed, entry } of stateEntries) stateClaimed.get(parsed.kind)?.add(entry.id);

  const desired = [...input.desired].sort(
    (a, b) => kindOrder(a.kind) - kindOrder(b.kind) || byText(a.key, b.key),
  );
  const desiredRefs = new Set(desired.map((r) => `${r.kind}/${r.key}`));
  const desiredByRef = new Map(desired.map((r) => [`${r.kind}/${r.key}`, r]));

  // 1. Identity of every desired resource.
  const identities = new Map<string, Identity>();
  const adopted = new Map<string, string>();
  const adoptedIds = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set()]));
  for (const resource of desired) {
    const ref = `${resource.kind}/${resource.key}`;
    if (!serverAssigned(resource.kind)) {
      identities.set(ref, { id: resource.key, notes: [] });
      continue;
    }
    const entry = Object.hasOwn(stateResources, ref) ? stateResources[ref] : undefined;
    if (entry) {
      identities.set(
        ref,
        liveDoc(resource.kind, entry.id)
          ? { id: entry.id, notes: [] }
          : { id: undefined, notes: [`was ${entry.id} in state, gone live`] },
      );
      continue;
    }
    const name = normalName(resource.doc.name);
    const candidates =
      name === undefined
        ? []
        : [...(live.get(resource.kind) ?? new Map<string, Record<string, unknown>>())]
            .filter(
              ([id, doc]) =>
                normalName(doc.name) === name &&
                !stateClaimed.get(resource.kind)?.has(id) &&
                !adoptedIds.get(resource.kind)?.has(id),
            )
            .map(([id]) => id)
            .sort(byText);
    const [only] = candidates;
    if (candidates.length === 1 && only !== undefined) {
      identities.set(ref, { id: only, notes: [NOTE_ADOPTED] });
      adopted.set(ref, only);
      adoptedIds.get(resource.kind)?.add(only);
    } else if (candidates.length > 1) {
      const shown = typeof resource.doc.name === 'string' ? resource.doc.name.trim() : '';
      identities.set(ref, {
        id: undefined,
        notes: [
          `${candidates.length} live documents are named ${JSON.stringify(shown)}; not adopting`,
          NOTE_DUPLICATE_CREATE,
        ],
      });
    } else {
      identities.set(ref, { id: undefined, notes: [] });
    }
  }

  if (rules.length > 0)
    throwIgnoreConflicts(desired, identities, stateResources, ignoredRule, rules, liveDoc, ignoredLive);

  // Keys ↔ ids: desired identities win over state entries (a stale entry may share an id).
  const keyById = new Map<Kind, Map<string, string>>(KINDS.map((k) => [k, new Map()]));
  for (const { parsed, entry } of stateEntries) keyById.get(parsed.kind)?.set(entry.id, parsed.key);
  for (const resource of desired) {
    const id = identities.get(`${resource.kind}/${resource.key}`)?.id;
    if (id !== undefined) keyById.get(resource.kind)?.set(id, resource.key);
  }
  const idOf = (kind: Kind, key: string) => identities.get(`${kind}/${key}`)?.id;
  const keyOf = (kind: Kind, id: string) => keyById.get(kind)?.get(id);
  const field = (kind: Kind, change: FieldChange): PlannedField => ({
    path: change.path,
    before: showRefs(kind, change.segments, change.before, keyOf),
    after: showRefs(kind, change.segments, change.after, keyOf),
  });

  const protect = new Set(input.protect);
  const isProtected = (kind: Kind, key: string, id: string | undefined) =>
    protect.has(`${kind}/${key}`) ||
    (id !== undefined && protect.has(`${kind}/${id}`)) ||
    ((kind === 'clusters' || kind === 'customer_clusters') &&
      input.masterClusterId !== undefined &&
      (id ?? key) === input.masterClusterId);

  const changes: PlannedChange[] = [];
  const upgrades: FingerprintUpgrade[] = [];
  const push = (change: Omit<PlannedChange, 'protected'>, live?: Record<string, unknown>) => {
    const prot = isProtected(change.kind, change.key, change.id);
    const notes = [...change.notes];
    if (prot && (change.action === 'delete' || change.action === 'replace')) notes.push(NOTE_PROTECTED);
    const out: PlannedChange = { ...change, notes, protected: prot };
    if (change.id === undefined) delete out.id;
    if (live) {
      const desiredName = desiredByRef.get(`${change.kind}/${change.key}`)?.doc.name;
      const fields = ignoredFields(rules, {
        kind: change.kind,
        key: change.key,
        id: change.id,
        names: [nameText(live.name), nameText(desiredName)],
      });
      out.liveFingerprint = baselineFingerprint(live, fields);
    }
    changes.push(out);
  };

  // 2-3. Creates, updates, replaces and noops.
  for (const resource of desired) {
    const { kind, key } = resource;
    const ref = `${kind}/${key}`;
    const identity = identities.get(ref) ?? { id: undefined, notes: [] };
    if (kind === 'clusters') {
      push(planCluster(resource, stateResources, input, upgrades));
      continue;
    }
    const resolved = resolveReferences(kind, resource.doc, idOf);
    const current = liveDoc(kind, identity.id);
    const diff = diffDocument(resolved, current, rulesFor(kind)).map((c) => field(kind, c));
    const action: Action = current === undefined ? 'create' : diff.length > 0 ? 'update' : 'noop';
    push({ kind, key, id: identity.id, action, fields: diff, notes: identity.notes }, current);
  }

  // 4. Deletes: state entries whose file is gone.
  for (const { ref, entry, parsed } of stateEntries) {
    if (desiredRefs.has(ref)) continue;
    // Another system's resource: never deleted (a routing one is not in `live` either).
    if (ignoredRule(parsed.kind, entry.id) !== undefined) continue;
    if (parsed.kind === 'clusters') {
      push({
        kind: parsed.kind,
        key: parsed.key,
        id: entry.id,
        action: 'delete',
        fields: [],
        notes: ['cluster documents cannot be read back: deleting what kzops last applied'],
      });
      continue;
    }
    const current = liveDoc(parsed.kind, entry.id);
    if (current === undefined) continue;
    push(
      { kind: parsed.kind, key: parsed.key, id: entry.id, action: 'delete', fields: [], notes: [] },
      current,
    );
  }

  // Unmanaged: live documents no state entry and no desired resource claims.
  const claimed = new Map<Kind, Set<string>>(KINDS.map((k) => [k, new Set(stateClaimed.get(k))]));
  for (const identity of identities.entries()) {
    const parsed = parseStateKey(identity[0]);
    if (parsed && identity[1].id !== undefined) claimed.get(parsed.kind)?.add(identity[1].id);
  }
  const unmanaged: UnmanagedResource[] = [];
  for (const kind of KINDS) {
    for (const [id, doc] of live.get(kind) ?? []) {
      if (claimed.get(kind)?.has(id)) continue;
      unmanaged.push(typeof doc.name === 'string' ? { kind, id, name: doc.name } : { kind, id });
    }
  }
  unmanaged.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || byText(a.id, b.id));

  changes.sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || byText(a.key, b.key));
  const summary: Record<Action, number> = { create: 0, update: 0, replace: 0, delete: 0, noop: 0 };
  for (const change of changes) summary[change.action]++;

  const state: TargetState = input.state
    ? structuredClone(input.state)
    : { version: 1, target: input.target, resources: {} };
  for (const [ref, id] of [...adopted].sort(([a], [b]) => byText(a, b))) state.resources[ref] = { id };
  for (const { ref, path, fingerprint } of upgrades) {
    const entry = state.resources[ref];
    if (entry?.secrets !== undefined) entry.secrets[path] = fingerprint;
  }

  return { plan: { target: input.target, changes, unmanaged, summary }, state };
}

function nameText(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/**
 * What `liveFingerprint` (and the state's fingerprint, when apply records one) holds: the
 * document's fingerprint without the fields an ignore rule leaves to another system, so a
 * change to those alone is neither drift nor a stale plan. Without ignored fields it is
 * `fingerprintDoc(doc)`, as before.
 */
export function baselineFingerprint(doc: Record<string, unknown>, ignored: readonly string[]): string {
  return fingerprintDoc(withoutFields(doc, ignored));
}

/**
 * A config resource an ignore rule covers (by its name, its id, or the live document the
 * state or adoption ties it to), or one that sets a field a rule ignores for it: kzops would
 * both manage and leave alone the same thing. Thrown, so no plan is ever made from it.
 */
function throwIgnoreConflicts(
  desired: readonly LoadedResource[],
  identities: ReadonlyMap<string, Identity>,
  stateResources: Record<string, StateEntry>,
  ignoredRule: (kind: Kind, id: string | undefined) => IgnoreRule | undefined,
  rules: readonly IgnoreRule[],
  liveDoc: (kind: Kind, id: string | undefined) => Record<string, unknown> | undefined,
  ignoredLive: readonly LiveDoc[],
): void {
  const problems: string[] = [];
  for (const r of desired) {
    const ref = `${r.kind}/${r.key}`;
    const stateId = Object.hasOwn(stateResources, ref) ? stateResources[ref]?.id : undefined;
    const id = identities.get(ref)?.id ?? stateId ?? (serverAssigned(r.kind) ? undefined : r.key);
    const rule =
      ignoredRule(r.kind, id) ??
      ignoredRule(r.kind, stateId) ??
      ignoringRule(rules, { kind: r.kind, key: r.key, id, names: [nameText(r.doc.name)] });
    if (rule !== undefined) {
      problems.push(`${ref} is covered by the ignore rule ${describeRule(rule)}`);
      continue;
    }
    const name = normalName(r.doc.name);
    const twin =
      id === undefined && name !== undefined && serverAssigned(r.kind)
        ? ignoredLive.find((d) => d.kind === r.kind && normalName(d.doc.name) === name)
        : undefined;
    if (twin !== undefined) {
      // Adoption would have taken it; creating another of the same name is no better.
      problems.push(
        `${ref} has the name of ${r.kind} ${twin.id}, which an ignore rule covers (kzops would adopt it)`,
      );
      continue;
    }
    const fields = ignoredFields(rules, {
      kind: r.kind,
      key: r.key,
      id,
      names: [nameText(r.doc.name), nameText(liveDoc(r.kind, id)?.name)],
    });
    for (const path of setIgnoredFields(r.doc, fields)) {
      problems.push(`${ref} sets ${path.join('.')}, which an ignore rule leaves to another system`);
    }
  }
  if (problems.length === 0) return;
  throw new ConfigError(`the config and the target's ignore rules overlap: ${problems.join('; ')}`, {
    hint: 'remove the resource or field from the config, or narrow the ignore rule in targets.yaml',
  });
}

/** A secret fingerprint in an older form whose secret is unchanged, rewritten in the current form. */
interface FingerprintUpgrade {
  ref: string;
  path: string;
  fingerprint: string;
}

/** A cluster document: compared with the state's record of the last apply, never read. */
function planCluster(
  resource: LoadedResource,
  stateResources: Record<string, StateEntry>,
  input: PlanInput,
  upgrades: FingerprintUpgrade[],
): Omit<PlannedChange, 'protected'> {
  const { key, doc } = resource;
  const ref = `clusters/${key}`;
  const entry = Object.hasOwn(stateResources, ref) ? stateResources[ref] : undefined;
  const secrets = secretFields(doc);
  const plainFields = (): PlannedField[] =>
    diffDocument(withoutSecrets(doc), undefined, NO_RULES).map((c) => ({
      path: c.path,
      before: undefined,
      after: c.after,
    }));
  const bySortedPath = (fields: PlannedField[]) => fields.sort((a, b) => byText(a.path, b.path));

  if (!entry) {
    const fields = [
      ...plainFields(),
      ...secrets.map((path) => ({ path, before: undefined, after: SENSITIVE, sensitive: true })),
    ];
    return {
      kind: 'clusters',
      key,
      id: key,
      action: 'create',
      fields: bySortedPath(fields),
      notes: [NOTE_CLUSTER_NO_STATE],
    };
  }

  const notes = [NOTE_CLUSTER_UNREADABLE];
  let differs = false;
  if (entry.fingerprint === undefined) {
    notes.push(NOTE_CLUSTER_NO_FINGERPRINT);
    differs = true;
  } else if (entry.fingerprint !== clusterFingerprint(doc)) {
    differs = true;
  }
  const secretChanged = new Map<string, boolean>();
  for (const path of secrets) {
    const value = input.secrets?.[ref]?.[path];
    if (value === undefined || input.hmacKey === undefined) {
      notes.push(`${path} not checked (secret not available)`);
      continue;
    }
    const stored = entry.secrets?.[path];
    const changed = stored === undefined || !secretMatches(input.hmacKey, value, stored);
    secretChanged.set(path, changed);
    if (changed) differs = true;
    // The same secret under an older fingerprint: the state apply writes gets the current form.
    else if (!isCurrentSecretFingerprint(stored)) {
      upgrades.push({ ref, path, fingerprint: secretFingerprint(input.hmacKey, value) });
    }
  }
  if (!differs) return { kind: 'clusters', key, id: key, action: 'noop', fields: [], notes };

  // A replace writes the whole document again: every field is listed, as for a create.
  const fields = [
    ...plainFields(),
    ...secrets.map((path) => ({
      path,
      before: entry.secrets?.[path] === undefined ? undefined : SENSITIVE,
      after: secretChanged.get(path) ? SENSITIVE_CHANGED : SENSITIVE,
      sensitive: true,
    })),
  ];
  return { kind: 'clusters', key, id: key, action: 'replace', fields: bySortedPath(fields), notes };
}
