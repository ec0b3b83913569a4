/**
 * The port through which a service talks to the person (or CI job) running it. Commands build
 * the real one from the process (`processUi` in src/cli/ui.ts); tests pass `captureUi()` and
 * read what was printed. A service never writes to process.stdout/stderr itself.
 */
export interface ProgressBar {
  /** Moves the bar to `done` of `total`; `values` fill the label's other {tokens} (e.g. {failed}). */
  update(done: number, values?: Record<string, number | string>): void;
  /** Removes the bar (it may already be gone). */
  stop(): void;
}

export interface Ui {
  /** Prints a line (or lines) of results on stdout. A trailing newline is added. */
  out(text: string): void;
  /** Prints a line (or lines) of messages on stderr: warnings, progress notes. */
  err(text: string): void;
  /**
   * Asks a yes/no question at the terminal. Only called when `interactive` is true; a service
   * that needs an answer without a terminal refuses instead (the caller says `--yes`).
   */
  confirm(question: string): Promise<boolean>;
  /** A progress bar on stderr when stderr is a terminal, else undefined (nothing is drawn). */
  progress(total: number, label: string): ProgressBar | undefined;
  /** Whether stdin and stdout are a terminal (a question can be asked and answered). */
  readonly interactive: boolean;
  /** Whether output may carry ANSI colour. */
  readonly color: boolean;
  /** The width to fit output to, in columns (stdout's, or 80 when unknown). */
  readonly width: number;
}

/** A Ui that records everything, for tests and for callers that render later. */
export interface CapturedUi extends Ui {
  readonly stdout: string[];
  readonly stderr: string[];
  /** Questions asked, in order. */
  readonly questions: string[];
}

export function captureUi(
  opts: { answers?: boolean[]; interactive?: boolean; color?: boolean; width?: number } = {},
): CapturedUi {
  const answers = [...(opts.answers ?? [])];
  const stdout: string[] = [];
  const stderr: string[] = [];
  const questions: string[] = [];
  return {
    stdout,
    stderr,
    questions,
    out: (text) => void stdout.push(text),
    err: (text) => void stderr.push(text),
    confirm(question) {
      questions.push(question);
      const answer = answers.shift();
      if (answer === undefined)
        return Promise.reject(new Error(`captureUi: no answer left for "${question}"`));
      return Promise.resolve(answer);
    },
    progress: () => undefined,
    interactive: opts.interactive ?? false,
    color: opts.color ?? false,
    width: opts.width ?? 80,
  };
}

/**
 * Prints rendered text (which ends with a newline, or is empty) through `out` (or `err`) of a
 * Ui, which add the newline themselves: one trailing newline is dropped, and nothing is
 * printed for an empty text.
 */
export function write(ui: Ui, text: string, to: 'out' | 'err' = 'out'): void {
  if (text === '') return;
  const line = text.endsWith('\n') ? text.slice(0, -1) : text;
  if (to === 'err') ui.err(line);
  else ui.out(line);
}
