/**
 * Change windows and freezes: when apply may run on a target. Pure functions of the rules
 * and the current instant (passed in, never read from the clock here).
 *
 * Each window is computed in its own time zone with Intl.DateTimeFormat (the IANA database
 * of the Node.js runtime), on the wall clock of that zone:
 * - `days` names the day a window *starts*: `{days: [fri], from: "22:00", to: "02:00"}` runs
 *   from Friday 22:00 to Saturday 02:00 (`to` before `from` crosses midnight);
 * - daylight-saving days: a `from` or `to` that does not exist that day (the hour skipped in
 *   spring) is taken as the first instant after the gap (02:30 in New York on the spring day
 *   is 03:00 EDT); a `from` that happens twice (the hour repeated in autumn) is its first
 *   occurrence and a `to` its last, so the window covers every instant whose wall-clock time
 *   lies in [from, to) and is never shorter than written on those days (it may be an hour
 *   longer in autumn, or shorter by the skipped hour in spring).
 */
import { DAYS, type ChangeWindow, type Day } from './rules.js';

export interface WindowOccurrence {
  start: Date;
  end: Date;
  /** The index of the window in the target's `change_windows`. */
  window: number;
}

export interface WindowStatus {
  /** Now is inside a window (or there are no windows: apply may run at any time). */
  open: boolean;
  /** When open: the occurrence now is in (the one that ends last, when several overlap). */
  current?: WindowOccurrence;
  /** When closed: the next occurrence to open (undefined only when no window has a day). */
  next?: WindowOccurrence;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(tz, f);
  }
  return f;
}

/** Whether `tz` is a time zone this runtime knows (an IANA name such as America/New_York). */
export function isTimeZone(tz: string): boolean {
  if (tz.trim() === '' || tz !== tz.trim()) return false;
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}

/** The wall clock of `tz` at an instant, as a UTC timestamp with the same fields (ms dropped). */
function wallClock(tz: string, instant: number): number {
  const parts: Record<string, number> = {};
  for (const p of formatter(tz).formatToParts(new Date(instant))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  return Date.UTC(
    parts.year ?? 1970,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
}

function offsetAt(tz: string, instant: number): number {
  return wallClock(tz, instant) - Math.floor(instant / 1000) * 1000;
}

const DAY_MS = 86_400_000;

/**
 * The instant(s) whose wall clock in `tz` reads `local` (a UTC timestamp standing for a wall
 * clock). Offsets change at most once around one wall-clock time in practice, so the offsets
 * a day before and a day after are the only candidates.
 */
function instantsOf(tz: string, local: number): number[] {
  const offsets = new Set([offsetAt(tz, local - DAY_MS), offsetAt(tz, local + DAY_MS)]);
  const found = [...offsets].map((o) => local - o).filter((t) => wallClock(tz, t) === local);
  return [...new Set(found)].sort((a, b) => a - b);
}

/**
 * The instant of a wall-clock time: in a gap, the instant after it; when repeated, the first
 * (`pick: 'first'`) or the last one.
 */
function zonedInstant(tz: string, local: number, pick: 'first' | 'last'): number {
  const found = instantsOf(tz, local);
  if (found.length > 0) return (pick === 'first' ? found[0] : found[found.length - 1]) as number;
  // A gap: the wall clock skips `local`. Read it with the offset before the change, which
  // lands after the gap by its length (as Temporal's "compatible" disambiguation does).
  return local - offsetAt(tz, local - DAY_MS);
}

function minutesOf(hhmm: string): number {
  const m = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(hhmm);
  if (!m) throw new RangeError(`not a time of day (HH:MM): ${JSON.stringify(hhmm)}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

/** Monday = 0 ... Sunday = 6, for the date of a wall-clock timestamp. */
function dayOf(local: number): Day {
  return DAYS[(new Date(local).getUTCDay() + 6) % 7] as Day;
}

/** The occurrences of one window that start on the local dates from `before` days before `around`'s to `after` days after. */
function occurrences(w: ChangeWindow, index: number, around: number, before: number, after: number) {
  const from = minutesOf(w.from);
  const to = minutesOf(w.to);
  const today = Math.floor(wallClock(w.tz, around) / DAY_MS) * DAY_MS;
  const out: WindowOccurrence[] = [];
  for (let d = -before; d <= after; d++) {
    const date = today + d * DAY_MS;
    if (!w.days.includes(dayOf(date))) continue;
    const endDate = to > from ? date : date + DAY_MS;
    const start = zonedInstant(w.tz, date + from * 60_000, 'first');
    const end = zonedInstant(w.tz, endDate + to * 60_000, 'last');
    if (end > start) out.push({ start: new Date(start), end: new Date(end), window: index });
  }
  return out;
}

/**
 * Whether `now` lies in one of the windows, and if not, when the next one opens. No windows:
 * open (apply may run at any time). A window's occurrence is [start, end): it opens at `from`
 * and is closed from `to` on.
 */
export function windowStatus(windows: readonly ChangeWindow[], now: Date): WindowStatus {
  if (windows.length === 0) return { open: true };
  const t = now.getTime();
  // One day back catches a window that crossed midnight; eight ahead catches next week's.
  const all = windows.flatMap((w, i) => occurrences(w, i, t, 1, 8));
  const inside = all
    .filter((o) => o.start.getTime() <= t && t < o.end.getTime())
    .sort((a, b) => b.end.getTime() - a.end.getTime());
  if (inside[0] !== undefined) return { open: true, current: inside[0] };
  const next = all
    .filter((o) => o.start.getTime() > t)
    .sort((a, b) => a.start.getTime() - b.start.getTime() || a.window - b.window)[0];
  return next === undefined ? { open: false } : { open: false, next };
}

/** `Tue 2026-12-08 01:00 America/New_York (06:00 UTC)`: an instant as a window's zone reads it. */
export function describeInstant(instant: Date, tz: string): string {
  const local = wallClock(tz, instant.getTime());
  const iso = new Date(local).toISOString();
  const day = dayOf(local);
  const utc = instant.toISOString().slice(11, 16);
  const name = `${day.charAt(0).toUpperCase()}${day.slice(1)}`;
  return `${name} ${iso.slice(0, 10)} ${iso.slice(11, 16)} ${tz} (${utc} UTC)`;
}

/** Why a window is not usable, or undefined (for validation; the schema checks the shapes). */
export function windowProblem(w: {
  from?: unknown;
  to?: unknown;
  tz?: unknown;
}): { field: 'tz' | 'to'; text: string } | undefined {
  if (typeof w.tz === 'string' && !isTimeZone(w.tz)) {
    return {
      field: 'tz',
      text: `${JSON.stringify(w.tz)} is not a time zone kzops knows; write an IANA name such as America/New_York, Europe/Berlin or UTC`,
    };
  }
  if (typeof w.from === 'string' && w.from === w.to && /^\d\d:\d\d$/.test(w.from)) {
    return {
      field: 'to',
      text: `from and to are both ${w.from}: a window must have a length (to earlier than from crosses midnight)`,
    };
  }
  return undefined;
}
