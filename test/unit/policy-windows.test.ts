import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyGate } from '../../src/core/policy/gate.js';
import { DAYS, type ChangeWindow, type Day } from '../../src/core/policy/rules.js';
import { describeInstant, isTimeZone, windowProblem, windowStatus } from '../../src/core/policy/windows.js';

const at = (iso: string) => new Date(iso);

/** The wall clock of `tz` at an instant, read independently with toLocaleString. */
function wall(instant: Date, tz: string): { day: Day; minutes: number } {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: tz,
    weekday: 'short',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(instant);
  const get = (t: string) => parts.find((p) => p.type === t)?.value ?? '';
  return {
    day: get('weekday').toLowerCase().slice(0, 3) as Day,
    minutes: Number(get('hour')) * 60 + Number(get('minute')),
  };
}

const NY: ChangeWindow = { days: ['tue', 'thu'], from: '01:00', to: '05:00', tz: 'America/New_York' };

describe('windowStatus: examples', () => {
  it('no windows: always open', () => {
    expect(windowStatus([], at('2026-12-06T12:00:00Z'))).toEqual({ open: true });
  });

  it('inside a Tuesday window in New York (EST, UTC-5)', () => {
    // Tue 2026-12-08 02:00 EST = 07:00Z
    const s = windowStatus([NY], at('2026-12-08T07:00:00Z'));
    expect(s.open).toBe(true);
    expect(s.current?.start.toISOString()).toBe('2026-12-08T06:00:00.000Z');
    expect(s.current?.end.toISOString()).toBe('2026-12-08T10:00:00.000Z');
  });

  it('the window is [from, to): open at from, closed at to', () => {
    expect(windowStatus([NY], at('2026-12-08T06:00:00Z')).open).toBe(true);
    expect(windowStatus([NY], at('2026-12-08T10:00:00Z')).open).toBe(false);
    expect(windowStatus([NY], at('2026-12-08T09:59:59.999Z')).open).toBe(true);
  });

  it('closed on a Sunday: names the next Tuesday 01:00 New York time', () => {
    const s = windowStatus([NY], at('2026-12-06T12:00:00Z'));
    expect(s.open).toBe(false);
    expect(s.next?.start.toISOString()).toBe('2026-12-08T06:00:00.000Z');
    expect(s.next?.end.toISOString()).toBe('2026-12-08T10:00:00.000Z');
    expect(describeInstant(s.next!.start, NY.tz)).toBe('Tue 2026-12-08 01:00 America/New_York (06:00 UTC)');
  });

  it('a window that crosses midnight starts on the listed day and ends the next', () => {
    const w: ChangeWindow = { days: ['fri'], from: '22:00', to: '02:00', tz: 'UTC' };
    // Sat 2026-12-12 01:00Z: inside Friday's window.
    expect(windowStatus([w], at('2026-12-12T01:00:00Z')).open).toBe(true);
    // Fri 01:00Z: Thursday is not listed, so closed.
    const fri = windowStatus([w], at('2026-12-11T01:00:00Z'));
    expect(fri.open).toBe(false);
    expect(fri.next?.start.toISOString()).toBe('2026-12-11T22:00:00.000Z');
    expect(fri.next?.end.toISOString()).toBe('2026-12-12T02:00:00.000Z');
  });

  it('spring forward in New York: a from in the skipped hour opens after the gap', () => {
    // 2027-03-14 is the second Sunday of March: 02:00 EST jumps to 03:00 EDT (07:00Z).
    const w: ChangeWindow = { days: ['sun'], from: '02:30', to: '04:00', tz: 'America/New_York' };
    const s = windowStatus([w], at('2027-03-14T05:00:00Z'));
    expect(s.next?.start.toISOString()).toBe('2027-03-14T07:30:00.000Z'); // 03:30 EDT: the gap's length later
    expect(s.next?.end.toISOString()).toBe('2027-03-14T08:00:00.000Z'); // 04:00 EDT
  });

  it('fall back in New York: from is the first 01:00, to the last 01:30, covering both passes', () => {
    // 2026-11-01: 02:00 EDT falls back to 01:00 EST; 01:00-01:59 happens twice.
    const w: ChangeWindow = { days: ['sun'], from: '01:00', to: '01:30', tz: 'America/New_York' };
    const s = windowStatus([w], at('2026-11-01T04:00:00Z'));
    expect(s.next?.start.toISOString()).toBe('2026-11-01T05:00:00.000Z'); // 01:00 EDT
    expect(s.next?.end.toISOString()).toBe('2026-11-01T06:30:00.000Z'); // 01:30 EST
    expect(windowStatus([w], at('2026-11-01T06:15:00Z')).open).toBe(true); // 01:15 EST, second pass
  });

  it('of overlapping windows, the current one is the one that ends last', () => {
    const a: ChangeWindow = { days: [...DAYS], from: '00:00', to: '06:00', tz: 'UTC' };
    const b: ChangeWindow = { days: [...DAYS], from: '01:00', to: '08:00', tz: 'UTC' };
    const s = windowStatus([a, b], at('2026-12-08T02:00:00Z'));
    expect(s.current?.window).toBe(1);
    expect(s.current?.end.toISOString()).toBe('2026-12-08T08:00:00.000Z');
  });
});

describe('windowStatus: properties', () => {
  const zones = [
    'UTC',
    'America/New_York',
    'Europe/Berlin',
    'Australia/Sydney',
    'Australia/Lord_Howe',
    'Asia/Kolkata',
  ];
  const hhmm = fc
    .tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 59 }))
    .map(([h, m]) => `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}`);
  const windowArb = fc
    .record({
      days: fc.uniqueArray(fc.constantFrom(...DAYS), { minLength: 1, maxLength: 7 }),
      from: hhmm,
      to: hhmm,
      tz: fc.constantFrom(...zones),
    })
    .filter((w) => w.from !== w.to);
  // 2020 to 2035, to the minute, DST days included.
  const instant = fc
    .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) })
    .map((ms) => new Date(ms));
  const minutes = (t: string) => Number(t.slice(0, 2)) * 60 + Number(t.slice(3));

  it('an instant whose wall-clock time is in [from, to) on a listed day is open (same-day windows)', () => {
    fc.assert(
      fc.property(
        windowArb.filter((w) => w.from < w.to),
        instant,
        (w, now) => {
          const { day, minutes: m } = wall(now, w.tz);
          fc.pre(w.days.includes(day) && m >= minutes(w.from) && m < minutes(w.to));
          expect(windowStatus([w], now).open).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an instant on a day not listed, in no window crossing from the day before, is closed', () => {
    fc.assert(
      fc.property(
        windowArb.filter((w) => w.from < w.to),
        instant,
        (w, now) => {
          const { day } = wall(now, w.tz);
          fc.pre(!w.days.includes(day));
          expect(windowStatus([w], now).open).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('when closed, the next start is in the future and open, and everything before it is closed', () => {
    fc.assert(
      fc.property(
        fc.array(windowArb, { minLength: 1, maxLength: 3 }),
        instant,
        fc.double({ min: 0, max: 1, noNaN: true }),
        (windows, now, frac) => {
          const s = windowStatus(windows, now);
          if (s.open) {
            expect(s.current!.start.getTime()).toBeLessThanOrEqual(now.getTime());
            expect(s.current!.end.getTime()).toBeGreaterThan(now.getTime());
            return;
          }
          const next = s.next!;
          expect(next.start.getTime()).toBeGreaterThan(now.getTime());
          expect(next.end.getTime()).toBeGreaterThan(next.start.getTime());
          // Within eight days: every window has a listed day each week.
          expect(next.start.getTime() - now.getTime()).toBeLessThanOrEqual(8 * 86_400_000);
          expect(windowStatus(windows, next.start).open).toBe(true);
          const between = new Date(now.getTime() + Math.floor((next.start.getTime() - now.getTime()) * frac));
          if (between.getTime() < next.start.getTime())
            expect(windowStatus(windows, between).open).toBe(false);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('an open window is open at every instant from now until it ends', () => {
    fc.assert(
      fc.property(windowArb, instant, fc.double({ min: 0, max: 1, noNaN: true }), (w, now, frac) => {
        const s = windowStatus([w], now);
        fc.pre(s.open);
        const { start, end } = s.current!;
        const inside = new Date(start.getTime() + Math.floor((end.getTime() - start.getTime()) * frac));
        if (inside.getTime() < end.getTime()) expect(windowStatus([w], inside).open).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});

describe('windowProblem and isTimeZone', () => {
  it('knows IANA zones and refuses others', () => {
    expect(isTimeZone('America/New_York')).toBe(true);
    expect(isTimeZone('UTC')).toBe(true);
    expect(isTimeZone('America/Nowhere')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone(' UTC')).toBe(false);
  });

  it('names the field: tz for an unknown zone, to for a window with no length', () => {
    expect(windowProblem({ from: '01:00', to: '05:00', tz: 'Mars/Olympus' })?.field).toBe('tz');
    expect(windowProblem({ from: '01:00', to: '01:00', tz: 'UTC' })?.field).toBe('to');
    expect(windowProblem({ from: '01:00', to: '05:00', tz: 'UTC' })).toBeUndefined();
  });
});

describe('applyGate', () => {
  const sunday = at('2026-12-06T12:00:00Z');

  it('no freeze, no windows: allowed, nothing to override', () => {
    expect(applyGate('prod', { changeWindows: [] }, sunday, 'fire')).toEqual({
      allowed: true,
      refusals: [],
      messages: [],
    });
  });

  it('frozen: refused with the reason; an emergency overrides and is recorded', () => {
    const refused = applyGate(
      'prod',
      { frozen: 'carrier maintenance until Friday', changeWindows: [] },
      sunday,
    );
    expect(refused.allowed).toBe(false);
    expect(refused.messages).toEqual(['target prod is frozen: carrier maintenance until Friday']);
    const over = applyGate(
      'prod',
      { frozen: 'carrier maintenance', changeWindows: [] },
      sunday,
      '  SBC down  ',
    );
    expect(over).toMatchObject({ allowed: true, overriddenBy: 'SBC down' });
    expect(over.refusals).toEqual([{ kind: 'frozen', reason: 'carrier maintenance' }]);
  });

  it('outside the windows: refused, naming the next window in its own zone; a blank emergency does not override', () => {
    const g = applyGate('prod', { changeWindows: [NY] }, sunday, '   ');
    expect(g.allowed).toBe(false);
    expect(g.messages[0]).toBe(
      'target prod is outside its change windows; the next opens Tue 2026-12-08 01:00 America/New_York (06:00 UTC) and closes Tue 2026-12-08 05:00 America/New_York (10:00 UTC)',
    );
    expect(applyGate('prod', { changeWindows: [NY] }, at('2026-12-08T07:00:00Z')).allowed).toBe(true);
  });

  it('computed from the current time: a window around now is open, one that ended an hour ago is not', () => {
    const now = new Date();
    const h = now.getUTCHours();
    const pad = (n: number) => String((n + 24) % 24).padStart(2, '0');
    const today = DAYS[(now.getUTCDay() + 6) % 7]!;
    const around: ChangeWindow = {
      days: [...DAYS],
      from: `${pad(h - 1)}:00`,
      to: `${pad(h + 1)}:00`,
      tz: 'UTC',
    };
    const past: ChangeWindow = { days: [today], from: `${pad(h - 3)}:00`, to: `${pad(h - 1)}:00`, tz: 'UTC' };
    expect(applyGate('t', { changeWindows: [around] }, now).allowed).toBe(true);
    // Near midnight the "past" window crosses it; either way it is not open now.
    expect(windowStatus([past], now).open).toBe(false);
  });
});
