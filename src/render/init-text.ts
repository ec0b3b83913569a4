/** What `kzops init` prints: the files written, and what to run next. */
export function renderInitText(opts: {
  /** DIR as the user typed it. */
  dir: string;
  /** Every file written, relative to DIR. */
  files: readonly string[];
  /** Those that existed (overwritten with --force). */
  overwritten: readonly string[];
  /** The branch of a fresh git init; undefined when init ran none. */
  gitInitBranch: string | undefined;
  /** The placeholder the workflows still call, when no --action was given. */
  actionPlaceholder?: string | undefined;
}): string {
  const { dir, files, overwritten } = opts;
  const lines = [
    `Created a kzops config repository in ${dir} (${files.length} files${overwritten.length > 0 ? `, ${overwritten.length} overwritten` : ''}):`,
    ...files.map((f) => `  ${f}${overwritten.includes(f) ? ' (overwritten)' : ''}`),
  ];
  if (opts.gitInitBranch !== undefined)
    lines.push(`Initialized a git repository (branch ${opts.gitInitBranch}).`);
  lines.push(
    '',
    'Next:',
    ...(dir === '.' ? [] : [`  cd ${dir}`]),
    '  kzops validate',
    '  kzops plan       # against the embedded simulator (target local)',
    'then see README.md: add a real server and its secrets, and push to GitHub.',
    '',
  );
  if (opts.actionPlaceholder !== undefined) {
    lines.push(
      `Note: the workflows call the action ${opts.actionPlaceholder}, a placeholder: replace it in .github/workflows/`,
      '(or run kzops init again with --action OWNER/REPO@REF --force) with where the kzops action is published.',
      '',
    );
  }
  return lines.join('\n');
}
