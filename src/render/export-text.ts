/**
 * `kzops export`'s output: its `--json` document and the human text made from it.
 */
import type { RoutingKind } from '../core/export/document.js';
import type { ExportStatus, NotLiveFile, SecretVariable } from '../core/export/export-config.js';

/** What `--json` prints. Paths are relative to the working directory (the --dir value prefixed), as validate prints them. */
export interface ExportJson {
  target: string;
  dry_run: boolean;
  files: { path: string; kind: RoutingKind; key: string; id: string; status: ExportStatus }[];
  /** The state file written (or that would be). */
  state: string;
  /** Variables holding the secrets of exported documents: set them before apply. */
  secrets_env: SecretVariable[];
  /** Existing files of documents that are not live any more: kept, not exported. */
  not_live: NotLiveFile[];
  /** Cluster document files: the API cannot read cluster documents, so export leaves them as they are. */
  clusters_not_exported: string[];
  warnings: string[];
}

const STATUS_WIDTH = 'unchanged'.length;

/** The human output: one line a file, what needs a person's attention, then the summary. */
export function renderExportText(out: ExportJson, opts: { label: string; dir: string }): string {
  const lines: string[] = [];
  lines.push(
    `Export from ${opts.label} into ${opts.dir}/${out.dry_run ? ' (dry run: nothing is written)' : ''}`,
  );
  lines.push('');
  for (const f of out.files) lines.push(`  ${f.status.padEnd(STATUS_WIDTH)}  ${f.path}`);
  if (out.files.length === 0)
    lines.push('  (the target has no customer clusters, carrier SBCs or media servers)');

  if (out.not_live.length > 0) {
    lines.push('', 'Not live any more (kept, not exported; delete a file to stop managing it):');
    for (const f of out.not_live) lines.push(`  ${f.path}`);
  }
  const clusters = out.clusters_not_exported.length;
  lines.push(
    '',
    `Cluster documents cannot be read through the API: none exported${
      clusters > 0
        ? `; ${clusters === 1 ? '1 file' : `${clusters} files`} in ${opts.dir}/clusters/ left as ${clusters === 1 ? 'it is' : 'they are'}`
        : ''
    }.`,
  );
  if (out.secrets_env.length > 0) {
    lines.push('', 'Secrets are read from these environment variables; set them before kzops apply:');
    for (const s of out.secrets_env) lines.push(`  ${s.variable}  (${s.file}: ${s.field})`);
  }
  if (out.warnings.length > 0) {
    lines.push('');
    for (const w of out.warnings) lines.push(`warning: ${w}`);
  }

  const count = (status: ExportStatus) => out.files.filter((f) => f.status === status).length;
  const n = out.files.length;
  lines.push(
    '',
    `${out.dry_run ? 'Would export' : 'Exported'} ${n} document${n === 1 ? '' : 's'}: ${count('created')} created, ${count('updated')} updated, ${count('unchanged')} unchanged. State: ${out.state}${out.dry_run ? ' (not written)' : ''}.`,
  );
  return `${lines.join('\n')}\n`;
}
