/**
 * `kzops export`, the pure part: from the live routing documents, the target's state file and
 * the config directory as it is, to the config files (and the state) that describe the live
 * state, so that an existing deployment can be adopted and a plan right after shows no changes.
 * No I/O: the command reads the directory, the state and the live documents, and writes what
 * this returns.
 *
 * - One file per document: `customer_clusters/<id>.yaml`, `carrier_sbcs/<key>.yaml`,
 *   `media_servers/<key>.yaml` (keys: keys.ts; content: document.ts).
 * - A new file starts with the schema line the example config uses and where it came from.
 *   An existing file is edited in place, keeping its comments (yaml-file.ts); an existing file
 *   that says what the live document says is left byte for byte.
 * - Files of documents that are no longer live are never deleted, only reported: deleting one
 *   is a decision for a person (a later apply would create it again, or delete nothing).
 * - Cluster documents cannot be read through the API: their files and state entries are left
 *   exactly as they are.
 * - The state maps every exported `<kind>/<key>` to the id and the fingerprint of the live
 *   document as read; its `hmac_key` and `clusters/*` entries are kept. Routing entries of
 *   documents no longer live are dropped: they name nothing.
 */
import { fingerprintDoc, type LiveDoc } from '../plan/build-plan.js';
import { ROUTING_DIFF_RULES } from '../plan/diff.js';
import type { StateEntry, TargetState } from '../plan/types.js';
import { validateConfig, type ConfigFile, type Problem } from '../validate/index.js';
import { place } from '../validate/layout.js';
import { FILE_START } from '../validate/position.js';
import { configDocument, ROUTING_KINDS, SCHEMA_OF, schemaFields, type RoutingKind } from './document.js';
import { assignKeys, byText } from './keys.js';
import { fileValue, newFileText, updateFileText } from './yaml-file.js';

export type ExportStatus = 'created' | 'updated' | 'unchanged';

export interface ExportedFile {
  /** Relative to the config directory, `/` separators. */
  path: string;
  kind: RoutingKind;
  key: string;
  /** The server id of the document. */
  id: string;
  status: ExportStatus;
  /** The file's content after the export (the existing text when unchanged). */
  text: string;
}

export interface SecretVariable {
  /** The environment variable apply reads the secret from. */
  variable: string;
  /** The file (relative to the config directory) and the field that name it. */
  file: string;
  field: string;
}

export interface ExportWarning {
  /** The file it is about (relative to the config directory), if any. */
  file?: string;
  message: string;
}

export interface NotLiveFile {
  path: string;
  kind: RoutingKind;
  key: string;
}

export interface ExportInput {
  target: string;
  /** When the export runs (for the header of new files), e.g. `2025-01-31`. */
  date: string;
  /** Every live routing document (readLive). */
  live: readonly LiveDoc[];
  /** undefined: the target has no state file yet. */
  state: TargetState | undefined;
  /** Every YAML file of the config directory as it is now (readConfigDir); none when it does not exist. */
  files: readonly ConfigFile[];
  /** loadSchemas(): each kind's schema says which fields its files hold; the result is validated with them. */
  schemas: Record<string, object>;
}

export interface ExportResult {
  /** One per live routing document, by kind (dependency order) then key. */
  files: ExportedFile[];
  /** The state to write. */
  state: TargetState;
  /** Variables that hold the secrets of exported documents, to set before apply. */
  secrets: SecretVariable[];
  /** Existing files of routing documents that are not live any more: kept, not exported. */
  notLive: NotLiveFile[];
  /** Existing cluster document files: left as they are (the API cannot read cluster documents). */
  clusterFiles: string[];
  /** Things a person should know: fields left out, files rewritten instead of edited, unsafe ids. */
  warnings: ExportWarning[];
  /** Every problem `kzops validate` would report on the config directory after the export. */
  problems: Problem[];
}

interface ExistingFile {
  path: string;
  key: string;
  text: string;
  /** The content, when the file parses into a mapping. */
  value: Record<string, unknown> | undefined;
}

/** An id that can be a file name as it is: customer clusters are named by their id. */
const SAFE_FILE_NAME = /^[A-Za-z0-9_-]{1,64}$/;

/** The existing resource files of each routing kind, by key (the first path of a key wins, as in validate). */
function existingFiles(files: readonly ConfigFile[]): {
  byKind: Record<RoutingKind, Map<string, ExistingFile>>;
  clusterFiles: string[];
} {
  const byKind = Object.fromEntries(ROUTING_KINDS.map((k) => [k, new Map<string, ExistingFile>()])) as Record<
    RoutingKind,
    Map<string, ExistingFile>
  >;
  const clusterFiles: string[] = [];
  for (const file of [...files].sort((a, b) => byText(a.path, b.path))) {
    const { placement } = place(file.path, FILE_START);
    if (!placement || placement.kind === 'targets') continue;
    if (placement.kind === 'clusters') {
      clusterFiles.push(file.path);
      continue;
    }
    const map = byKind[placement.kind];
    if (map.has(placement.key)) continue;
    map.set(placement.key, {
      path: file.path,
      key: placement.key,
      text: file.text,
      value: fileValue(file.text),
    });
  }
  return { byKind, clusterFiles };
}

export function exportConfig(input: ExportInput): ExportResult {
  const warnings: ExportWarning[] = [];
  const { byKind: existing, clusterFiles } = existingFiles(input.files);
  const stateEntries = Object.entries(input.state?.resources ?? {});

  // Live documents by kind, once per id, in id order (the output must not depend on listing order).
  const live = Object.fromEntries(ROUTING_KINDS.map((k) => [k, [] as LiveDoc[]])) as Record<
    RoutingKind,
    LiveDoc[]
  >;
  const seen = new Set<string>();
  for (const doc of [...input.live].sort((a, b) => byText(a.id, b.id))) {
    if (doc.kind === 'clusters' || seen.has(`${doc.kind}/${doc.id}`)) continue;
    seen.add(`${doc.kind}/${doc.id}`);
    if (doc.kind === 'customer_clusters' && !SAFE_FILE_NAME.test(doc.id)) {
      warnings.push({
        message: `customer cluster ${JSON.stringify(doc.id)} was not exported: its id cannot be a file name`,
      });
      continue;
    }
    live[doc.kind].push(doc);
  }

  // Keys.
  const keyById = {} as Record<RoutingKind, Map<string, string>>;
  for (const kind of ROUTING_KINDS) {
    if (kind === 'customer_clusters') {
      keyById[kind] = new Map(live[kind].map((d) => [d.id, d.id]));
      continue;
    }
    const prefix = `${kind}/`;
    keyById[kind] = assignKeys({
      live: live[kind].map((d) => ({ id: d.id, name: d.doc.name })),
      state: stateEntries
        .filter(([ref]) => ref.startsWith(prefix))
        .map(([ref, entry]) => ({ key: ref.slice(prefix.length), id: entry.id })),
      files: [...existing[kind].values()].map((f) => ({ key: f.key, name: f.value?.name })),
    });
  }
  const keyOf = (kind: RoutingKind, id: string) => keyById[kind].get(id);

  // Files.
  const files: ExportedFile[] = [];
  const secrets: SecretVariable[] = [];
  const resources: Record<string, StateEntry> = {};
  for (const kind of ROUTING_KINDS) {
    const fields = schemaFields(input.schemas[SCHEMA_OF[kind]] ?? {});
    for (const doc of live[kind]) {
      const key = keyOf(kind, doc.id) ?? doc.id;
      const old = existing[kind].get(key);
      const path = old?.path ?? `${kind}/${key}.yaml`;
      const exported = configDocument(doc.doc, { kind, key, fields, keyOf, existing: old?.value });
      if (exported.dropped.length > 0) {
        warnings.push({
          file: path,
          message: `left out ${exported.dropped.join(', ')} (not fields of a ${SCHEMA_OF[kind]} file; kzops leaves them as they are)`,
        });
      }
      for (const s of exported.secrets) {
        if (s.variable !== undefined) secrets.push({ variable: s.variable, file: path, field: s.path });
      }
      let status: ExportStatus;
      let text: string;
      const header = [
        `yaml-language-server: $schema=../../schemas/${SCHEMA_OF[kind]}.schema.json`,
        `Exported from ${input.target} on ${input.date}.`,
      ];
      if (old === undefined) {
        status = 'created';
        text = newFileText(exported.value, header);
      } else {
        const outcome = updateFileText(old.text, exported.value, ROUTING_DIFF_RULES[kind]);
        if (outcome.editable) {
          status = outcome.changed ? 'updated' : 'unchanged';
          text = outcome.changed ? outcome.text : old.text;
        } else {
          warnings.push({
            file: path,
            message: `could not be edited in place (${outcome.reason}): written anew`,
          });
          text = newFileText(exported.value, header);
          status = text === old.text ? 'unchanged' : 'updated';
        }
      }
      files.push({ path, kind, key, id: doc.id, status, text });
      resources[`${kind}/${key}`] = { id: doc.id, fingerprint: fingerprintDoc(doc.doc) };
    }
  }
  files.sort((a, b) => ROUTING_KINDS.indexOf(a.kind) - ROUTING_KINDS.indexOf(b.kind) || byText(a.key, b.key));

  const exportedKeys = new Set(files.map((f) => `${f.kind}/${f.key}`));
  const notLive: NotLiveFile[] = ROUTING_KINDS.flatMap((kind) =>
    [...existing[kind].values()]
      .filter((f) => !exportedKeys.has(`${kind}/${f.key}`))
      .map((f) => ({ path: f.path, kind, key: f.key })),
  );

  // The state: cluster entries and the HMAC key as they were, routing entries as exported.
  for (const [ref, entry] of stateEntries)
    if (ref.startsWith('clusters/')) resources[ref] = structuredClone(entry);
  const state: TargetState = {
    version: 1,
    target: input.target,
    ...(input.state?.hmac_key === undefined ? {} : { hmac_key: input.state.hmac_key }),
    resources,
  };

  // The config directory as the export leaves it, checked as `kzops validate` would.
  const after = new Map(input.files.map((f) => [f.path, f.text]));
  for (const f of files) after.set(f.path, f.text);
  const { problems } = validateConfig(
    [...after].map(([path, text]) => ({ path, text })).sort((a, b) => byText(a.path, b.path)),
    input.schemas,
  );

  return { files, state, secrets, notLive, clusterFiles, warnings, problems };
}
