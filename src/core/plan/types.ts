/**
 * The plan: a plain typed record of what `kzops apply` would do to one target, computed from
 * the desired state (validated config), the live documents and the target's state file.
 * Pure data: renderers (src/render/plan-*.ts) print it, `--json` prints it as is.
 */
import type { FieldChange } from './diff.js';

import type { Kind } from '../model/kinds.js';

/** The kinds and their dependency order come from the one kinds table. */
export { KINDS, type Kind } from '../model/kinds.js';

export type Action = 'create' | 'update' | 'replace' | 'delete' | 'noop';

export interface PlannedField {
  path: string;
  /** Live value (references shown as keys where kzops knows them); undefined when absent. */
  before: unknown;
  /** Desired value (references shown as keys). */
  after: unknown;
  /** A write-only secret: values are never shown, only whether it changes. */
  sensitive?: boolean;
}

export interface PlannedChange {
  kind: Kind;
  /** The config key (file name without .yaml). */
  key: string;
  /** The server id; absent for a create of a kind whose ids the server assigns. */
  id?: string;
  action: Action;
  fields: PlannedField[];
  /** Plain-English notes for reviewers: adopted by name, cannot be read back, protected, ... */
  notes: string[];
  /** In the target's protect list, or the master cluster: never deleted or replaced. */
  protected: boolean;
  /** sha256 of the live document's canonical JSON when the plan was made (stale-plan check). */
  liveFingerprint?: string;
  /**
   * Set when a targeted plan (`--only`/`--exclude`) carries this change only because a
   * selected change needs it first: the `<kind>/<key>` of the selected changes that need it.
   */
  includedAsDependency?: string[];
}

/** What a targeted plan was asked for, and what it left out (src/core/plan/targeting.ts). */
export interface PlanTargeting {
  /** `--only` refs as given (`<kind>/<key glob>`); empty: everything not excluded. */
  only: string[];
  /** `--exclude` refs as given. */
  exclude: string[];
  /**
   * The changes the full plan has that this one leaves out, so apply still knows their ids
   * (a selected change may refer to them) and leaves their state entries as they are.
   */
  leftOut: PlannedChange[];
}

/** A live resource that no config file and no state entry claims: reported, never deleted. */
export interface UnmanagedResource {
  kind: Kind;
  id: string;
  name?: string;
}

export interface Plan {
  target: string;
  changes: PlannedChange[];
  unmanaged: UnmanagedResource[];
  summary: Record<Action, number>;
  /** Present when the plan was targeted: a saved plan records its targeting with it. */
  targeting?: PlanTargeting;
}

/** The target's state file (committed in the config repo): key → server id, secret fingerprints. */
export interface TargetState {
  version: 1;
  target: string;
  /**
   * The salt of the secret fingerprints, 64 hex characters, made at random by the first apply
   * that stores one (the name is from when the fingerprints were HMACs). It is committed with
   * the state, so it only makes the fingerprints specific to this target: it is not a secret;
   * the fingerprints' cost (scrypt) is what makes guessing a secret from them slow.
   */
  hmac_key?: string;
  resources: Record<string /* `${kind}/${key}` */, StateEntry>;
}

export interface StateEntry {
  id: string;
  /**
   * A fingerprint of each write-only secret as last applied, by field path: `scrypt$N=...$hex`
   * (salted per target); an older state's 64-hex HMAC-SHA256 is still read, and upgraded.
   */
  secrets?: Record<string, string>;
  /**
   * Cluster documents (they cannot be read back): sha256 of the canonical JSON of the
   * non-secret fields as last applied (`clusterFingerprint` in build-plan.ts). Routing
   * documents: `fingerprintDoc` of the live document as kzops last read it back after an
   * apply, so `kzops drift` can tell a change made outside kzops.
   */
  fingerprint?: string;
}

export type { FieldChange };
