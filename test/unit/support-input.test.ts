/**
 * The support commands' input checks (src/core/support/input.ts): what each accepts and how
 * it normalises it, and that every refusal is an InvalidInputError (exit 64) naming the flag.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { forgetSecrets, scrub } from '../../src/core/secret-registry.js';
import {
  carrierInput,
  esnInput,
  exactlyOne,
  idInput,
  mdnInput,
  monthInput,
  monthRangeInput,
  setInput,
  simInput,
} from '../../src/core/support/input.js';

/** Runs `fn`, expecting an InvalidInputError; returns its message. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as Error).message;
  }
  throw new Error('expected an InvalidInputError, got none');
}

// ---------------------------------------------------------------------------------------
// mdnInput

const digit = fc.constantFrom(...'0123456789'.split(''));
const nanpLead = fc.constantFrom(...'23456789'.split(''));
/** A NANP number: NXX NXX XXXX. */
const nanp = fc
  .tuple(nanpLead, digit, digit, nanpLead, digit, digit, digit, digit, digit, digit)
  .map((ds) => ds.join(''));
/** Anything a person puts between digits: spaces, tabs, dots, dashes, parentheses. */
const separators = fc
  .array(fc.constantFrom(' ', '  ', '\t', '-', '.', '(', ')'), { maxLength: 3 })
  .map((s) => s.join(''));

/** `digits` with a (possibly empty) run of separators before, between and after each digit. */
function spelled(digits: string): fc.Arbitrary<string> {
  return fc
    .array(separators, { minLength: digits.length + 1, maxLength: digits.length + 1 })
    .map((seps) => seps.map((s, i) => s + (digits[i] ?? '')).join(''));
}

describe('mdnInput', () => {
  it('normalises the usual spellings to E.164', () => {
    for (const raw of [
      '4157487153',
      '415-748-7153',
      '(415) 748-7153',
      '415.748.7153',
      '+1 415 748 7153',
      '+1-415-748-7153',
      '1 415 748 7153',
      '14157487153',
      '+14157487153',
      ' 4157487153 ',
    ]) {
      expect(mdnInput('--mdn', raw), raw).toBe('+14157487153');
    }
  });

  it('keeps numbers that already carry a country code (11 to 15 digits)', () => {
    expect(mdnInput('--mdn', '+442071234567')).toBe('+442071234567');
    expect(mdnInput('--mdn', '442071234567')).toBe('+442071234567');
    expect(mdnInput('--mdn', '+123456789012345')).toBe('+123456789012345');
  });

  it('property: any 10-digit NANP number with any separators is +1 and its digits', () => {
    fc.assert(
      fc.property(
        nanp.chain((n) => fc.tuple(fc.constant(n), spelled(n))),
        ([digits, raw]) => {
          expect(mdnInput('--mdn', raw)).toBe(`+1${digits}`);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('property: with a +1 (or 1) country code, written any way, the same number', () => {
    fc.assert(
      fc.property(
        nanp.chain((n) => fc.tuple(fc.constant(n), separators, fc.constantFrom('+1', '1'), spelled(n))),
        ([digits, before, code, rest]) => {
          expect(mdnInput('--mdn', `${before}${code}${rest}`)).toBe(`+1${digits}`);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('property: normalising is idempotent', () => {
    fc.assert(
      fc.property(
        nanp.chain((n) => spelled(n)),
        (raw) => {
          const once = mdnInput('--mdn', raw);
          expect(mdnInput('--mdn', once)).toBe(once);
        },
      ),
    );
  });

  it('property: fewer than 10 or more than 15 digits are refused, naming the flag', () => {
    const short = fc.integer({ min: 1, max: 9 });
    const long = fc.integer({ min: 16, max: 20 });
    fc.assert(
      fc.property(fc.oneof(short, long), fc.boolean(), (n, plus) => {
        const raw = `${plus ? '+' : ''}${'5'.repeat(n)}`;
        expect(refusal(() => mdnInput('--mdn', raw))).toContain('--mdn');
      }),
    );
  });

  it('property: a letter anywhere is refused', () => {
    fc.assert(
      fc.property(
        nanp,
        fc.integer({ min: 0, max: 10 }),
        fc.constantFrom('a', 'X', 'o', 'O'),
        (n, at, letter) => {
          const raw = n.slice(0, at) + letter + n.slice(at);
          expect(refusal(() => mdnInput('MDN', raw))).toMatch(/^MDN ".*" is not a phone number/);
        },
      ),
    );
  });

  it('refuses a + in the middle, two pluses, and the empty string, quoting what was typed', () => {
    expect(refusal(() => mdnInput('--mdn', '415+7487153'))).toContain('"415+7487153"');
    expect(refusal(() => mdnInput('--mdn', '++14157487153'))).toContain('--mdn');
    expect(refusal(() => mdnInput('--mdn', ''))).toContain('--mdn ""');
    expect(refusal(() => mdnInput('--mdn', '1-800-FLOWERS'))).toContain('10 digits');
  });
});

// ---------------------------------------------------------------------------------------
// Identifiers

describe('idInput', () => {
  const id = '0123456789abcdef0123456789abcdef';

  it('accepts 32 lowercase hex characters, trimming whitespace', () => {
    expect(idInput('ACCOUNT_ID', id)).toBe(id);
    expect(idInput('ACCOUNT_ID', ` ${id}\n`)).toBe(id);
  });

  it('refuses uppercase, wrong lengths, non-hex and empty input, naming the argument', () => {
    for (const raw of [id.toUpperCase(), id.slice(1), `${id}0`, `${id.slice(1)}g`, '', 'acc1']) {
      expect(
        refusal(() => idInput('ACCOUNT_ID', raw)),
        raw,
      ).toMatch(/^ACCOUNT_ID ".*" is not an id/);
    }
  });

  it('property: any 32 lowercase hex characters pass unchanged', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9a-f]{32}$/), (raw) => {
        expect(idInput('DEVICE_ID', raw)).toBe(raw);
      }),
    );
  });
});

describe('esnInput', () => {
  it('accepts 8 to 18 hex digits in either case, trimmed', () => {
    expect(esnInput('--esn', '270113180000001111')).toBe('270113180000001111');
    expect(esnInput('--esn', 'A1B2C3D4')).toBe('A1B2C3D4');
    expect(esnInput('--esn', ' a1b2c3d4e5 ')).toBe('a1b2c3d4e5');
  });

  it('refuses 7 or 19 digits, separators and non-hex, naming the flag', () => {
    for (const raw of ['1234567', '1'.repeat(19), '2701-1318', 'g1234567', '']) {
      expect(
        refusal(() => esnInput('--esn', raw)),
        raw,
      ).toMatch(/^--esn ".*" is not an ESN\/MEID\/IMEI/);
    }
  });

  it('property: every length from 8 to 18 hex digits passes', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[0-9A-Fa-f]{8,18}$/), (raw) => {
        expect(esnInput('ESN', raw)).toBe(raw);
      }),
    );
  });
});

describe('simInput', () => {
  it('accepts 18 to 22 digits, the last possibly F', () => {
    expect(simInput('--sim', '89011200000000001111')).toBe('89011200000000001111');
    expect(simInput('--sim', '8901120000000000111F')).toBe('8901120000000000111F');
    expect(simInput('--sim', '8901120000000000111f')).toBe('8901120000000000111f');
    expect(simInput('--sim', '1'.repeat(18))).toBe('1'.repeat(18));
    expect(simInput('--sim', '1'.repeat(22))).toBe('1'.repeat(22));
    expect(simInput('--sim', ' 89011200000000001111 ')).toBe('89011200000000001111');
  });

  it('refuses 17 or 23 digits, an F before the end, and letters, naming the flag', () => {
    for (const raw of ['1'.repeat(17), '1'.repeat(23), 'F8901120000000000111', '890112000000000011A1', '']) {
      expect(
        refusal(() => simInput('--sim', raw)),
        raw,
      ).toMatch(/^--sim ".*" is not a SIM number/);
    }
  });
});

describe('carrierInput', () => {
  it('accepts lowercase names with digits, _ and -, trimmed', () => {
    expect(carrierInput('--carrier', 'sprint')).toBe('sprint');
    expect(carrierInput('--carrier', 't-mobile_2')).toBe('t-mobile_2');
    expect(carrierInput('--carrier', ' att ')).toBe('att');
  });

  it('refuses uppercase, spaces, a leading - or _, and empty input', () => {
    for (const raw of ['Sprint', 'sprint pcs', '-sprint', '_x', '', 'a/b']) {
      expect(
        refusal(() => carrierInput('--carrier', raw)),
        raw,
      ).toMatch(/^--carrier ".*" is not a carrier name/);
    }
  });
});

// ---------------------------------------------------------------------------------------
// Months

describe('monthInput', () => {
  it('accepts YYYYMM with months 01 to 12', () => {
    expect(monthInput('--month', '201701')).toBe('201701');
    expect(monthInput('--month', '202612')).toBe('202612');
  });

  it('refuses month 00 and 13, other lengths, separators and padding', () => {
    for (const raw of ['201700', '201713', '20171', '2017011', '2017-01', ' 201701', 'Jan 2017', '']) {
      expect(
        refusal(() => monthInput('--from', raw)),
        raw,
      ).toMatch(/^--from ".*" is not a month: write YYYYMM/);
    }
  });

  it('property: every valid month passes unchanged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 1, max: 12 }), (y, m) => {
        const raw = `${String(y).padStart(4, '0')}${String(m).padStart(2, '0')}`;
        expect(monthInput('--month', raw)).toBe(raw);
      }),
    );
  });
});

describe('monthRangeInput', () => {
  it('nothing given: undefined (the server defaults to the current month)', () => {
    expect(monthRangeInput({})).toBeUndefined();
  });

  it('--month alone, and --from with --to', () => {
    expect(monthRangeInput({ month: '201701' })).toEqual({ month: '201701' });
    expect(monthRangeInput({ from: '201610', to: '201701' })).toEqual({ from: '201610', to: '201701' });
    expect(monthRangeInput({ from: '201701', to: '201701' })).toEqual({ from: '201701', to: '201701' });
  });

  it('refuses --month with --from or --to', () => {
    expect(refusal(() => monthRangeInput({ month: '201701', from: '201610' }))).toBe(
      '--month cannot be combined with --from/--to',
    );
    expect(refusal(() => monthRangeInput({ month: '201701', to: '201610' }))).toContain('--month');
  });

  it('refuses one end without the other, naming both', () => {
    expect(refusal(() => monthRangeInput({ from: '201610' }))).toBe('--from needs --to too');
    expect(refusal(() => monthRangeInput({ to: '201610' }))).toBe('--to needs --from too');
  });

  it('refuses a range that runs backwards, and a bad month in either end, naming its flag', () => {
    expect(refusal(() => monthRangeInput({ from: '201701', to: '201610' }))).toBe(
      '--from 201701 is after --to 201610',
    );
    expect(refusal(() => monthRangeInput({ from: '201613', to: '201701' }))).toMatch(/^--from "201613"/);
    expect(refusal(() => monthRangeInput({ from: '201601', to: '2017-01' }))).toMatch(/^--to "2017-01"/);
    expect(refusal(() => monthRangeInput({ month: '17' }))).toMatch(/^--month "17"/);
  });

  it('property: ordered ends pass, reversed ends are refused', () => {
    const month = fc
      .tuple(fc.integer({ min: 2000, max: 2099 }), fc.integer({ min: 1, max: 12 }))
      .map(([y, m]) => `${y}${String(m).padStart(2, '0')}`);
    fc.assert(
      fc.property(month, month, (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(monthRangeInput({ from: lo, to: hi })).toEqual({ from: lo, to: hi });
        if (lo !== hi) expect(refusal(() => monthRangeInput({ from: hi, to: lo }))).toContain('is after');
      }),
    );
  });
});

// ---------------------------------------------------------------------------------------
// exactlyOne

describe('exactlyOne', () => {
  const names = ['esn', 'sim', 'mdn'] as const;

  it('returns the one flag that is set, and its value', () => {
    expect(exactlyOne({ sim: '8901' }, names)).toEqual({ name: 'sim', value: '8901' });
    expect(exactlyOne({ esn: undefined, mdn: '555' }, names)).toEqual({ name: 'mdn', value: '555' });
  });

  it('an empty string counts as given (the check of its value refuses it later)', () => {
    expect(exactlyOne({ esn: '' }, names)).toEqual({ name: 'esn', value: '' });
  });

  it('none given: lists every flag', () => {
    expect(refusal(() => exactlyOne({}, names))).toBe('give one of --esn, --sim, --mdn');
  });

  it('two or three given: says which', () => {
    expect(refusal(() => exactlyOne({ esn: '1', mdn: '2' }, names))).toBe(
      'give only one of --esn, --sim, --mdn (got --esn and --mdn)',
    );
    expect(refusal(() => exactlyOne({ esn: '1', sim: '2', mdn: '3' }, names))).toContain(
      '(got --esn and --sim and --mdn)',
    );
  });
});

// ---------------------------------------------------------------------------------------
// setInput

describe('setInput', () => {
  it('builds nested objects from dotted paths', () => {
    expect(setInput(['name=Joe', 'voice.sip.username=joe', 'voice.sip.realm=sip.example.com'])).toEqual({
      name: 'Joe',
      voice: { sip: { username: 'joe', realm: 'sip.example.com' } },
    });
  });

  it('reads values as JSON: numbers, booleans, null, quoted text, objects and lists', () => {
    expect(
      setInput([
        'a=12',
        'b=true',
        'c=null',
        'd="two words"',
        'e={"cap":0}',
        'f=["lte","sip"]',
        'g=-1.5',
        'h="12"',
      ]),
    ).toEqual({
      a: 12,
      b: true,
      c: null,
      d: 'two words',
      e: { cap: 0 },
      f: ['lte', 'sip'],
      g: -1.5,
      h: '12',
    });
  });

  it('takes a bare word as text, including the characters of realms, rates and numbers', () => {
    expect(
      setInput(['status=active', 'realm=sip.example.com', 'rate=k256', 'who=joe@example.com', 'x=a:b/c+d-e']),
    ).toEqual({
      status: 'active',
      realm: 'sip.example.com',
      rate: 'k256',
      who: 'joe@example.com',
      x: 'a:b/c+d-e',
    });
  });

  it('takes a word that starts with a digit but is not JSON as text (plan codes)', () => {
    expect(setInput(['plan=260PLAN1', 'zip=0123'])).toEqual({ plan: '260PLAN1', zip: '0123' });
    // A value that is JSON stays JSON; quoted, it is text.
    expect(setInput(['a=260', 'b="260"'])).toEqual({ a: 260, b: '260' });
  });

  it('refuses a bare integer too large to keep its digits (an ESN), and says how to quote it', () => {
    expect(refusal(() => setInput(['esn=270113180000001111']))).toContain(
      `too large to be a number without losing digits; quote it as text (--set esn='"270113180000001111"')`,
    );
    expect(setInput(['esn="270113180000001111"'])).toEqual({ esn: '270113180000001111' });
  });

  it('splits at the first =, so a value may contain one', () => {
    expect(setInput(['note="a=b"'])).toEqual({ note: 'a=b' });
  });

  it('takes an empty value as empty text (the field shape decides whether it may be empty)', () => {
    expect(setInput(['name='])).toEqual({ name: '' });
  });

  it('takes anything that is not a JSON literal as text, as gh api -F does', () => {
    expect(setInput(['name=Front Desk Phone'])).toEqual({ name: 'Front Desk Phone' });
    expect(setInput(['name=Joe Smith', "note=it's 5 o'clock", 'e={cap:0}', 'tag=[draft'])).toEqual({
      name: 'Joe Smith',
      note: "it's 5 o'clock",
      e: '{cap:0}',
      tag: '[draft',
    });
    // Leading zeros are not JSON: the digits stay text as typed.
    expect(setInput(['zip=007'])).toEqual({ zip: '007' });
    // JSON literals stay JSON, whatever they sit beside.
    expect(setInput(['a=true', 'b=null', 'c=-1.5', 'd="x y"', 'e=[1,"two"]', 'f={"cap":0}'])).toEqual({
      a: true,
      b: null,
      c: -1.5,
      d: 'x y',
      e: [1, 'two'],
      f: { cap: 0 },
    });
  });

  it('a secret taken as text is never quoted in an error, and is registered for scrubbing', () => {
    expect(setInput(['voice.sip.password=two words'])).toEqual({ voice: { sip: { password: 'two words' } } });
    expect(scrub('said two words')).not.toContain('two words');
    forgetSecrets();
    const message = refusal(() => setInput(['voice.sip.password=270113180000001111']));
    expect(message).toContain('<secret value>');
    expect(message).not.toContain('270113180000001111');
  });

  it('refuses an assignment without = or without a path', () => {
    expect(refusal(() => setInput(['name']))).toContain('write path=value');
    expect(refusal(() => setInput(['=Joe']))).toContain('write path=value');
  });

  it('refuses empty or odd path segments', () => {
    for (const raw of ['a..b=1', '.a=1', 'a.=1', 'a b=1', 'a[0]=1', 'a/b=1']) {
      expect(
        refusal(() => setInput([raw])),
        raw,
      ).toContain('the path must be keys separated by dots');
    }
  });

  it('refuses setting a field twice, or a field and a field inside it, in either order', () => {
    expect(refusal(() => setInput(['a=1', 'a=2']))).toContain(
      '--set a: sets the same field as another --set',
    );
    expect(refusal(() => setInput(['voice=null', 'voice.sip.username=x']))).toContain('voice.sip.username');
    expect(refusal(() => setInput(['voice.sip.username=x', 'voice=null']))).toContain('--set voice:');
    expect(refusal(() => setInput(['voice.sip.username=x', 'voice.sip=null']))).toContain('--set voice.sip:');
  });

  it('allows siblings, and keys that only share a prefix of letters', () => {
    expect(setInput(['voice.sip.username=x', 'voice.protocol=sip', 'ab=1', 'a=2'])).toEqual({
      voice: { sip: { username: 'x' }, protocol: 'sip' },
      ab: 1,
      a: 2,
    });
  });

  it('nothing to set: an empty body', () => {
    expect(setInput([])).toEqual({});
  });

  it('refuses __proto__, constructor and prototype, and leaves Object.prototype alone', () => {
    for (const raw of [
      '__proto__.polluted=1',
      'constructor.polluted=1',
      'a.__proto__.polluted=1',
      '__proto__=1',
    ]) {
      expect(
        refusal(() => setInput([raw])),
        raw,
      ).toContain('is not a field name');
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect((Object as unknown as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('property: any set of distinct top-level word assignments round-trips', () => {
    const key = fc
      .stringMatching(/^[a-z][a-z0-9_]{0,10}$/)
      .filter((k) => !['constructor', 'prototype'].includes(k));
    const word = fc
      .stringMatching(/^[a-z][a-z0-9_.@-]{0,12}$/)
      .filter((w) => !['true', 'false', 'null'].includes(w));
    fc.assert(
      fc.property(fc.dictionary(key, word, { maxKeys: 8 }), (fields) => {
        const args = Object.entries(fields).map(([k, v]) => `${k}=${v}`);
        expect(setInput(args)).toEqual(fields);
      }),
    );
  });

  it('property: any JSON value survives being written as --set x=<JSON>', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        // JSON has no -0; it reads back as 0.
        const expected = JSON.parse(JSON.stringify(value)) as unknown;
        expect(setInput([`x=${JSON.stringify(value)}`])).toEqual({ x: expected });
      }),
    );
  });
});
