/**
 * Stage 0: where a file sits says what it is. `targets.yaml` at the top, one resource a file
 * directly inside its kind's folder, the file name being the resource's key (a chosen name
 * for SBCs and media servers, the 32-hex id for clusters). Anything else is reported rather
 * than ignored: a typo in a folder name must not make a resource silently disappear.
 */
import type { ConfigFile, Problem } from './problem.js';
import { FILE_START, fileProblem, type Pos } from './position.js';
import { didYouMean } from './suggest.js';
import { KIND_TABLE } from '../model/kinds.js';
import { isResourceKind, RESOURCE_KINDS, type FileKind, type ResourceKind } from './types.js';

/** A key chosen by the user: lowercase letters, digits, `-` and `_`. */
export const KEY_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** A KAZOO document id. */
export const HEX32_PATTERN = /^[0-9a-f]{32}$/;

export const TARGETS_FILE = 'targets.yaml';
const TARGETS_NAMES = ['targets.yaml', 'targets.yml'];
const YAML_EXTENSION = /\.ya?ml$/;

/** Folders whose file names are ids; the others are keys. */
const ID_NAMED: ReadonlySet<ResourceKind> = new Set(
  RESOURCE_KINDS.filter((k) => KIND_TABLE[k].ids === 'client'),
);

export interface Placement {
  kind: FileKind;
  key: string;
}

export interface LayoutOutcome {
  /** Where each well-placed file belongs, by path. Files with a bad name are placed too. */
  placed: Map<string, Placement>;
  problems: Problem[];
}

const FOLDER_LIST = RESOURCE_KINDS.map((k) => `${k}/`).join(', ');

function misplaced(path: string, pos: Pos): Problem {
  const parts = path.split('/');
  const [folder = ''] = parts;
  if (parts.length === 1) {
    return fileProblem(
      path,
      'wrong_folder',
      `kzops does not know this file: the top level holds only ${TARGETS_FILE}; resources go in ${FOLDER_LIST}`,
      pos,
    );
  }
  if (isResourceKind(folder)) {
    return fileProblem(
      path,
      'wrong_folder',
      `resource files sit directly in ${folder}/, not in a subfolder; move it to ${folder}/${parts.at(-1) ?? ''}`,
      pos,
    );
  }
  return fileProblem(
    path,
    'wrong_folder',
    `kzops does not know the folder ${folder}/${didYouMean(folder, RESOURCE_KINDS)} (resources go in ${FOLDER_LIST})`,
    pos,
  );
}

/** Whether a file name fits its folder, and if not, what to write. */
function nameProblem(path: string, pos: Pos, kind: ResourceKind, key: string): Problem | undefined {
  if (ID_NAMED.has(kind)) {
    if (HEX32_PATTERN.test(key)) return undefined;
    const lower = HEX32_PATTERN.test(key.toLowerCase())
      ? ` (write it in lowercase: ${key.toLowerCase()})`
      : '';
    return fileProblem(
      path,
      'bad_file_name',
      `the file name must be the document id, 32 lowercase hex characters, got "${key}"${lower}`,
      pos,
    );
  }
  if (KEY_PATTERN.test(key)) return undefined;
  return fileProblem(
    path,
    'bad_file_name',
    `the file name "${key}" is not a valid key: use lowercase letters, digits, - and _, starting with a letter or digit (e.g. sprint-east)`,
    pos,
  );
}

/** Where one file belongs, or why it belongs nowhere. */
export function place(path: string, pos: Pos): { placement?: Placement; problem?: Problem } {
  if (TARGETS_NAMES.includes(path)) return { placement: { kind: 'targets', key: 'targets' } };
  const parts = path.split('/');
  const [folder = '', name = ''] = parts;
  if (parts.length !== 2 || !isResourceKind(folder)) return { problem: misplaced(path, pos) };
  const key = name.replace(YAML_EXTENSION, '');
  const problem = nameProblem(path, pos, folder, key);
  return { placement: { kind: folder, key }, ...(problem ? { problem } : {}) };
}

/**
 * Places every file; `startOf` says where a file's content starts, for the problems about a
 * whole file (after its header comments, where an editor shows the file's first field). Two files with one key (`a.yaml` and `a.yml`, or a second targets file)
 * would be two desired states for one resource: the later path is reported as a bad name.
 */
export function layoutFiles(
  files: readonly ConfigFile[],
  startOf: (path: string) => Pos = () => FILE_START,
): LayoutOutcome {
  const placed = new Map<string, Placement>();
  const problems: Problem[] = [];
  const owners = new Map<string, string>();
  for (const { path } of files) {
    const { placement, problem } = place(path, startOf(path));
    if (problem) problems.push(problem);
    if (!placement) continue;
    const id = `${placement.kind}/${placement.key}`;
    const owner = owners.get(id);
    if (owner !== undefined) {
      problems.push(
        fileProblem(
          path,
          'bad_file_name',
          `${owner} already describes ${id}; keep one of the two`,
          startOf(path),
        ),
      );
      continue;
    }
    owners.set(id, path);
    placed.set(path, placement);
  }
  if (!owners.has('targets/targets')) {
    problems.push(
      fileProblem(
        TARGETS_FILE,
        'missing_file',
        `${TARGETS_FILE} is missing: it names the servers kzops may change`,
      ),
    );
  }
  return { placed, problems };
}
