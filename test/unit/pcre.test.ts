/**
 * The offline PCRE (Erlang re) check of KAZOO number-formatting patterns and replaces.
 * Offsets are in the pattern as written: the leading '/' is offset 0.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { analyzePattern, checkReplace, type PatternIssue } from '../../src/core/validate/pcre.js';

type Expected = [
  code: PatternIssue['code'],
  severity: PatternIssue['severity'],
  offset: number | undefined,
  text?: RegExp,
];

function issuesOf(written: string): PatternIssue[] {
  return analyzePattern(written).issues;
}

function expectIssues(actual: PatternIssue[], expected: Expected[]): void {
  expect(actual.map((i) => [i.code, i.severity, i.offset])).toEqual(expected.map(([c, s, o]) => [c, s, o]));
  expected.forEach(([, , , text], k) => {
    if (text) expect(actual[k]?.message).toMatch(text);
  });
}

// -------------------------------------------------------------------------------------------
// Valid for KAZOO: no issues at all, groups counted as PCRE counts them

const VALID: [pattern: string, groups: number, pcreOnly: string[]][] = [
  // the reference's own patterns
  ['/^(?:467)?([0-9]+)$/', 1, []],
  ['/^([0-9]+)$/', 1, []],
  ['/^\\+?1?([2-9][0-9]{9})$/', 1, []],
  // groups that are not groups
  ['/\\(a\\)/', 0, []],
  ['/[(]a[)]/', 0, []],
  ['/(?:x)(?<n>y)/', 1, []],
  ['/(?=a)(?!b)(?<=c)(?<!d)e/', 0, []],
  // PCRE-only constructs are fine for KAZOO
  ['/(?>a)(b)/', 1, ['atomic group (?>...)']],
  ['/(?P<n>y)/', 1, ['named group (?P<name>...)']],
  ["/(?'n'y)\\k'n'/", 1, ["named group (?'name'...)", "named back reference \\k'name'"]],
  ['/a++b*+c?+d{2,3}+/', 0, ['possessive quantifier']],
  ['/\\Aabc\\z/', 0, ['anchor \\A', 'anchor \\z']],
  ['/abc\\Z/', 0, ['anchor \\Z']],
  ['/\\Q(a)|*\\E(b)/', 1, ['quoting \\Q...\\E']],
  ['/(?# a comment, no parens )(a)/', 1, ['comment (?#...)']],
  ['/(?i)abc/', 0, ['inline option (?i)']],
  ['/(?i:a)b/', 0, ['inline option (?i:...)']],
  ['/(?x) ( a ) b # comment (with a paren\n c/', 1, ['inline option (?x)']],
  ['/[[:digit:][:^alpha:]]+/', 0, ['POSIX class [:name:]']],
  ['/(a)(?(1)b|c)/', 1, ['conditional group (?(...)...)']],
  ['/(?|(a)|(b)(c))(d)/', 3, ['branch reset group (?|...)']],
  ['/(a)(?1)(?-1)(?R)?/', 1, ['subroutine call / recursion']],
  ['/\\p{Lu}\\p{Latin}\\pN/', 0, ['Unicode property \\p{...}']],
  ['/\\h\\v\\R/', 0, ['\\h, \\H (horizontal space)', '\\v, \\V (vertical space)', '\\R (any newline)']],
  ['/(*UTF8)\\x{20ac}/', 0, ['start-of-pattern setting (*UTF8)', '\\x{...} escape']],
  // back references in every accepted spelling
  ['/(a)\\1\\g1\\g{1}\\g{-1}/', 1, ['\\g back reference']],
  ['/(?<area>[0-9]{3})\\k<area>/', 1, []],
  // lookbehinds whose alternatives each have a fixed length
  ['/(?<=ab|c)x/', 0, []],
  ['/(?<=[0-9]{3}|\\+1)x/', 0, []],
  ['/(?<=(?:ab|cd))x/', 0, []],
  // things JavaScript and PCRE both read as literals
  ['/a{,3}\\/x{1,2/', 0, []],
  // valid for Erlang's PCRE although JavaScript reads them differently or refuses them
  ['/[a-\\Qz\\E]/', 0, ['quoting \\Q...\\E']],
  ['/\\c[/', 0, []],
  ['/(?P<>a)/', 1, ['named group (?P<name>...)']],
  ["/(?''a)/", 1, ["named group (?'name'...)"]],
  ['/(*LIMIT_MATCH=)a/', 0, ['start-of-pattern setting (*LIMIT_MATCH=)']],
  ['/\\Q\\/', 0, ['quoting \\Q...\\E']],
  // one comment between a quantifier and its possessive or lazy mark
  ['/a*(?#x)+/', 0, ['comment (?#...)', 'possessive quantifier']],
  ['/a{2}(?#x)?/', 0, ['comment (?#...)']],
];

describe('analyzePattern: valid patterns', () => {
  it.each(VALID)('%s has %i groups and no issues', (pattern, groups, pcreOnly) => {
    const r = analyzePattern(pattern);
    expect(r.issues).toEqual([]);
    expect(r.groups).toBe(groups);
    expect(r.pcreOnly).toEqual(pcreOnly);
    expect(r.body).toBe(pattern.slice(1, -1));
  });
});

// -------------------------------------------------------------------------------------------
// Errors and warnings, with offsets

const PROBLEMS: [pattern: string, expected: Expected[]][] = [
  // delimiters
  ['/abc', [['pattern_delimiters', 'error', 4, /end with an unescaped '\/'.*write it as \/\.\.\.\//]]],
  ['^abc$', [['pattern_delimiters', 'error', 0, /write \/\^abc\$\//]]],
  ['/abc/i', [['pattern_delimiters', 'error', 5, /flags 'i'.*not supported.*\(\?i\)/]]],
  [' /abc/', [['pattern_delimiters', 'error', 0, /leading whitespace/]]],
  ['', [['pattern_delimiters', 'error', 0, /empty/]]],
  [
    '/abc\\/',
    [
      ['pattern_delimiters', 'error', 5, /closing '\/' at offset 5 is escaped/],
      ['pattern_syntax', 'error', 4, /lone '\\'/],
    ],
  ],
  // parentheses
  ['/(a)b)/', [['pattern_syntax', 'error', 5, /^unmatched '\)' at offset 5/]]],
  ['/a)b/', [['pattern_syntax', 'error', 2, /^unmatched '\)' at offset 2/]]],
  ['/x(ab/', [['pattern_syntax', 'error', 2, /missing '\)'.*'\(' at offset 2 is never closed/]]],
  ['/(?#abc/', [['pattern_syntax', 'error', 1, /comment.*never closed/]]],
  // nothing to repeat
  ['/*a/', [['pattern_syntax', 'error', 1, /^nothing to repeat at offset 1/]]],
  ['/a**/', [['pattern_syntax', 'error', 3, /nothing to repeat.*'\*\+' \(possessive\)/]]],
  ['/a{2}{3}/', [['pattern_syntax', 'error', 5, /nothing to repeat/]]],
  ['/(*)/', [['pattern_syntax', 'error', 2, /nothing to repeat/]]],
  ['/^*/', [['pattern_syntax', 'error', 2, /anchor '\^'/]]],
  ['/\\b+/', [['pattern_syntax', 'error', 3, /assertion '\\b'/]]],
  ['/(?i)+/', [['pattern_syntax', 'error', 5, /option setting/]]],
  // quantifier counts
  ['/a{3,2}/', [['pattern_syntax', 'error', 2, /out of order.*\{2,3\}/]]],
  ['/a{70000}/', [['pattern_syntax', 'error', 2, /too big/]]],
  // character classes
  ['/[abc/', [['pattern_syntax', 'error', 1, /missing terminating '\]'/]]],
  ['/x[z-a]/', [['pattern_syntax', 'error', 3, /range out of order.*'z-a' at offset 3; write 'a-z'/]]],
  ['/[a-\\d]/', [['pattern_syntax', 'error', 2, /invalid range 'a-\\d'/]]],
  [
    '/[:alpha:]/',
    [['pattern_syntax', 'error', 1, /only works inside a character class: write \[\[:alpha:\]\]/]],
  ],
  ['/[[:foo:]]/', [['pattern_syntax', 'error', 2, /unknown POSIX class name/]]],
  // escapes
  [
    'abc\\',
    [
      ['pattern_delimiters', 'error', 0],
      ['pattern_syntax', 'error', 3, /lone '\\'/],
    ],
  ],
  [
    '/a\\5/',
    [
      [
        'pattern_syntax',
        'error',
        2,
        /'\\5' at offset 2 refers to group 5, but the pattern has no capture groups/,
      ],
    ],
  ],
  [
    '/(a)\\2/',
    [['pattern_syntax', 'error', 4, /refers to group 2, but the pattern has only 1 capture group/]],
  ],
  ['/a\\8/', [['pattern_syntax', 'error', 2, /PCRE 8\.33 .*refuses the pattern; PCRE 8\.40 to 8\.44/]]],
  ['/\\g{0}/', [['pattern_syntax', 'error', 1, /must not be zero/]]],
  ['/\\k<nope>/', [['pattern_syntax', 'error', 1, /named 'nope'.*does not define/]]],
  ['/\\c/', [['pattern_syntax', 'error', 1, /\\c needs a following character/]]],
  ['/\\L/', [['pattern_syntax', 'error', 1, /does not support \\L/]]],
  ['/\\N{LATIN}/', [['pattern_syntax', 'error', 1, /\\N\{name\}/]]],
  ['/\\x{100}/', [['pattern_syntax', 'error', 1, /too large/]]],
  ['/\\o/', [['pattern_syntax', 'error', 1, /missing opening brace after \\o/]]],
  ['/\\400/', [['pattern_syntax', 'error', 1, /greater than \\377/]]],
  ['/\\p{Foo}/', [['pattern_syntax', 'error', 1, /unknown Unicode property 'Foo'/]]],
  ['/\\p{Latn}/', [['pattern_syntax', 'error', 1, /unknown Unicode property 'Latn'/]]],
  // (?...) constructs
  ['/(?z)/', [['pattern_syntax', 'error', 1, /unknown group syntax '\(\?z'/]]],
  ['/(?i/', [['pattern_syntax', 'error', 1, /never completed/]]],
  ['/(?P)/', [['pattern_syntax', 'error', 1, /\(\?P/]]],
  ['/(?<1a>x)/', [['pattern_syntax', 'error', 4, /must start with a letter/]]],
  ['/(?<n>a)(?<n>b)/', [['pattern_syntax', 'error', 11, /two groups are named 'n'/]]],
  ['/(?(1)a|b|c)(x)/', [['pattern_syntax', 'error', 1, /3 alternatives/]]],
  ['/(a)(?(2)b)/', [['pattern_syntax', 'error', 4, /refers to group 2/]]],
  ['/(?(DEFINE)a|b)/', [['pattern_syntax', 'error', 1, /DEFINE/]]],
  ['/(?&nope)/', [['pattern_syntax', 'error', 1, /named 'nope'/]]],
  ['/(?1)/', [['pattern_syntax', 'error', 1, /calls group 1, but the pattern has no capture groups/]]],
  ['/(?R)/', [['pattern_syntax', 'error', 1, /could loop indefinitely/]]],
  ['/(?C256)/', [['pattern_syntax', 'error', 1, /greater than 255/]]],
  ['/(*FOO)/', [['pattern_syntax', 'error', 1, /unknown \(\*VERB\)/]]],
  ['/a(*UTF8)/', [['pattern_syntax', 'error', 2, /only allowed at the very start/]]],
  // lookbehinds PCRE 8 cannot compile
  [
    '/(?<=a+)b/',
    [
      [
        'pattern_syntax',
        'error',
        1,
        /lookbehind at offset 1 is not fixed-length: the quantifier '\+'.*offset 6/,
      ],
    ],
  ],
  ['/x(?<=(a|bc))/', [['pattern_syntax', 'error', 2, /'\(a\|bc\)' have different lengths \(1, 2\)/]]],
  ['/(a)(?<=\\1)/', [['pattern_syntax', 'error', 4, /back reference/]]],
  ['/(?<=\\R)/', [['pattern_syntax', 'error', 1, /'\\R' can match a variable number/]]],
  // JavaScript-only syntax
  ['/\\u0041/', [['pattern_js_only', 'error', 1, /JavaScript syntax.*write \\x41/]]],
  ['/a\\u{1F600}/', [['pattern_js_only', 'error', 2, /JavaScript syntax/]]],
  ['/[^]/', [['pattern_js_only', 'error', 1, /'\[\^\]'.*never closed.*\[\\s\\S\]/]]],
  ['/[]/', [['pattern_js_only', 'error', 1, /'\[\]'.*empty class/]]],
  ['/(?<a$>x)/', [['pattern_js_only', 'error', 4, /'a\$'.*valid in JavaScript but not in PCRE/]]],
  // warnings only
  ['/[^]a]/', [['pattern_js_only', 'warning', 1, /literal '\]'/]]],
  ['/\\y/', [['pattern_syntax', 'warning', 1, /not a PCRE escape/]]],
  ['/[\\R]/', [['pattern_syntax', 'warning', 2, /just the letter 'R'/]]],
  ['/\\x4/', [['pattern_js_only', 'warning', 1, /\\x04/]]],
  ['/é+/', [['pattern_js_only', 'warning', 1, /2 separate bytes/]]],
  // \k in a class is the letter k for PCRE 8 (Erlang compiles this; JavaScript would not)
  ['/[\\k](?<n>a)/', [['pattern_syntax', 'warning', 2, /just the letter 'k'/]]],
  // limits and tables Erlang/OTP's PCRE 8.44 has, JavaScript does not
  ['/(?:ab){30000}/', [['pattern_syntax', 'error', undefined, /too large.*300007 bytes.*65536/]]],
  ['/(?:(?:a{100}){100}){100}/', [['pattern_syntax', 'error', undefined, /too large/]]],
  ['/\\p{Ahom}/', [['pattern_syntax', 'error', 1, /unknown Unicode property 'Ahom'.*Unicode 7\.0/]]],
  ['/\\p{Unknown}/', [['pattern_syntax', 'error', 1, /unknown Unicode property 'Unknown'/]]],
  ['/(*UTF8)\\x{d800}/', [['pattern_syntax', 'error', 8, /surrogate/]]],
  ['/(*UTF8)\\o{154000}/', [['pattern_syntax', 'error', 8, /surrogate/]]],
  ['/a\u0000(/', [['pattern_syntax', 'error', 2, /NUL character at offset 2: Erlang's re stops reading/]]],
  [
    '/(a\u0000)/',
    [
      ['pattern_syntax', 'error', 3, /NUL character/],
      ['pattern_syntax', 'error', 1, /missing '\)'/],
    ],
  ],
  ['/(?<>a)/', [['pattern_syntax', 'error', 1, /must be followed by '=', '!' or a group name/]]],
  ['/(?P<>a)(?P=)/', [['pattern_syntax', 'error', 12, /group name was expected/]]],
  ['/(*LIMIT_MATCH=99999999999)a/', [['pattern_syntax', 'error', 1, /\(\*VERB\)/]]],
];

describe('analyzePattern: problems', () => {
  it.each(PROBLEMS)('%s', (pattern, expected) => {
    expectIssues(issuesOf(pattern), expected);
  });

  it('points into the written string even with leading whitespace', () => {
    expectIssues(issuesOf('  /a)/'), [
      ['pattern_delimiters', 'error', 0],
      ['pattern_syntax', 'error', 4, /offset 4/],
    ]);
  });

  it('still counts groups when the pattern cannot be read to the end', () => {
    const r = analyzePattern('/(a)(b)[c/');
    expect(r.issues.map((i) => i.code)).toEqual(['pattern_syntax']);
    expect(r.groups).toBe(2);
  });

  it('keeps the body when the delimiters are wrong, so replace can still be checked', () => {
    expect(analyzePattern('/^([0-9]+)$/g')).toMatchObject({ body: '^([0-9]+)$', groups: 1 });
    expect(analyzePattern('^([0-9]+)$')).toMatchObject({ body: '^([0-9]+)$', groups: 1 });
  });

  it('reports a PCRE-only pattern JavaScript would refuse only if PCRE refuses it too', () => {
    // JavaScript rejects a quantified lookbehind; PCRE ignores the quantifier.
    expect(analyzePattern('/(?<=a)*b/')).toMatchObject({ issues: [], pcreOnly: ['quantified lookbehind'] });
  });
});

// -------------------------------------------------------------------------------------------
// replace

const REPLACES: [replace: string, groups: number, expected: Expected[]][] = [
  ['$1', 1, []],
  ['99999$1', 1, []],
  ['+1$1', 1, []],
  ['$0', 0, []],
  [
    '\\0&x',
    0,
    [
      ['replace_group', 'warning', 0, /literal '0', not the whole match/],
      ['replace_group', 'warning', 2, /whole match.*\\&/],
    ],
  ],
  // forms Erlang's re:replace raises an exception on
  ['\\g{-1}', 1, [['replace_group', 'error', 0, /'\\g\{-1\}'.*re:replace does not understand/]]],
  ['x\\g<1>', 1, [['replace_group', 'error', 1, /'\\g<1>'/]]],
  ["\\g'1'", 1, [['replace_group', 'error', 0, /'\\g'1''/]]],
  ['\\g{n}', 1, [['replace_group', 'error', 0, /'\\g\{n\}'/]]],
  ['\\ga', 1, [['replace_group', 'error', 0]]],
  // forms re:replace reads as groups or literals
  ['\\g1\\g{1}\\1', 1, []],
  ['\\g01', 1, []],
  ['a\\', 0, []],
  ['\\g', 0, []],
  ['\\$1', 0, []],
  ['a\\&b\\\\', 0, []],
  ['$1', 0, [['replace_group', 'error', 0, /^replace refers to \$1 but the pattern has no capture groups/]]],
  ['$1$2', 1, [['replace_group', 'error', 2, /^replace refers to \$2 but the pattern has 1 capture group$/]]],
  ['${1}0', 1, []],
  ['x${2}', 1, [['replace_group', 'error', 1, /\$\{2\}/]]],
  ['$12', 1, [['replace_group', 'error', 0, /group 1 followed by '2', write \$\{1\}2/]]],
  ['$12', 12, []],
  ['\\1\\2', 2, []],
  ['\\1\\2', 1, [['replace_group', 'error', 2, /\\2/]]],
  ['\\g{2}', 1, [['replace_group', 'error', 0, /\\g\{2\}/]]],
  ['\\g3', 2, [['replace_group', 'error', 0, /\\g3/]]],
  ['${name}', 1, [['replace_group', 'error', 0, /only numbered references/]]],
  ['$x $', 0, []],
];

describe('checkReplace', () => {
  // A plain loop: it.each's title formatting would expand the '$1' in the values.
  for (const [replace, groups, expected] of REPLACES) {
    it(`${JSON.stringify(replace)} with ${groups} groups`, () => {
      expectIssues(checkReplace(replace, groups), expected);
    });
  }

  it('pairs with analyzePattern on the reference examples', () => {
    const a = analyzePattern('/^(?:467)?([0-9]+)$/');
    expect(checkReplace('$1', a.groups)).toEqual([]);
    const b = analyzePattern('/^([0-9]+)$/');
    expect(checkReplace('99999$1', b.groups)).toEqual([]);
    expect(checkReplace('$2', b.groups)).toHaveLength(1);
  });
});

// -------------------------------------------------------------------------------------------
// Properties: random patterns from a grammar of constructs both dialects read the same way

/** Capture groups as JavaScript counts them (the '|' makes every pattern match ''). */
const jsGroups = (source: string): number => new RegExp(source + '|').exec('')!.length - 1;

/** A pattern as [PCRE source, JavaScript equivalent]. */
type Pair = [string, string];
const same = (s: string): Pair => [s, s];
const BACKREF = '\u0001';
const NAMED = '\u0002';
const NAMEREF = '\u0003';

const literal = fc.constantFrom(
  ...'abc019 -,/]}'.split(''),
  ...[
    '\\.',
    '\\*',
    '\\+',
    '\\?',
    '\\(',
    '\\)',
    '\\[',
    '\\]',
    '\\{',
    '\\}',
    '\\|',
    '\\/',
    '\\-',
    '\\\\',
    '\\$',
    '\\^',
  ],
);
const escape = fc.constantFrom('\\d', '\\D', '\\w', '\\W', '\\s', '\\S', '\\t', '\\n', '\\x41', '\\cJ');
const klass = fc.constantFrom(
  '[abc]',
  '[^0-9]',
  '[a-z_]',
  '[\\d.]',
  '[(]',
  '[\\]x]',
  '[-a]',
  '[a-]',
  '[\\w-]',
  '[.*+?|$]',
  '[\\\\]',
  '[\\b]',
  '[[]',
);
const quantifier = fc.constantFrom(
  '',
  '',
  '',
  '*',
  '+',
  '?',
  '{2}',
  '{1,3}',
  '{2,}',
  '*?',
  '+?',
  '??',
  '{1,2}?',
);
/** Contents of a lookbehind: fixed-length alternatives. */
const fixed = fc
  .array(fc.array(fc.constantFrom('a', 'b', '\\d', '[xy]', '.', 'c{2}'), { minLength: 1, maxLength: 3 }), {
    minLength: 1,
    maxLength: 2,
  })
  .map((alts) => alts.map((a) => a.join('')).join('|'));
const assertion = fc.oneof(
  fc.constantFrom('^', '$', '\\b', '\\B'),
  fc.tuple(fc.constantFrom('(?<=', '(?<!'), fixed).map(([o, f]) => o + f + ')'),
);

function grammar(pcreOnly: boolean): fc.Arbitrary<Pair> {
  const extraAtoms: fc.Arbitrary<Pair>[] = pcreOnly
    ? [
        fc.constantFrom<Pair>(
          ['\\Q.*?(\\E', '\\.\\*\\?\\('],
          ['\\h', '\\s'],
          ['\\N', '.'],
          ['[[:digit:]]', '[0-9]'],
        ),
      ]
    : [];
  const extraItems: fc.Arbitrary<Pair>[] = pcreOnly
    ? [fc.constantFrom<Pair>(['\\A', '^'], ['\\z', '$'], ['(?#note)', ''], ['(?i)', ''], ['(?m)', ''])]
    : [];
  const { pattern } = fc.letrec<{ pattern: Pair; alt: Pair; item: Pair; atom: Pair; group: Pair }>((tie) => ({
    pattern: fc
      .array(tie('alt'), { minLength: 1, maxLength: 3 })
      .map((alts): Pair => [alts.map((a) => a[0]).join('|'), alts.map((a) => a[1]).join('|')]),
    alt: fc
      .array(tie('item'), { maxLength: 4 })
      .map((items): Pair => [items.map((a) => a[0]).join(''), items.map((a) => a[1]).join('')]),
    item: fc.oneof(
      { depthSize: 'small' },
      {
        weight: 4,
        arbitrary: fc
          .tuple(tie('atom'), quantifier, pcreOnly ? fc.boolean() : fc.constant(false))
          .map(([a, q, possessive]): Pair =>
            possessive && q !== '' && !q.endsWith('?') ? [a[0] + q + '+', a[1] + q] : [a[0] + q, a[1] + q],
          ),
      },
      { weight: 1, arbitrary: assertion.map(same) },
      ...extraItems.map((arbitrary) => ({ weight: 1, arbitrary })),
    ),
    atom: fc.oneof(
      { depthSize: 'small' },
      { weight: 3, arbitrary: literal.map(same) },
      { weight: 1, arbitrary: escape.map(same) },
      { weight: 1, arbitrary: klass.map(same) },
      { weight: 1, arbitrary: fc.constant(same('.')) },
      { weight: 1, arbitrary: fc.constantFrom(same(BACKREF), same(NAMEREF)) },
      ...extraAtoms.map((arbitrary) => ({ weight: 1, arbitrary })),
      { weight: 3, arbitrary: tie('group') },
    ),
    group: fc
      .tuple(
        fc.constantFrom<Pair>(
          ['(', '('],
          ['(?:', '(?:'],
          [NAMED, NAMED],
          ['(?=', '(?='],
          ['(?!', '(?!'],
          ...(pcreOnly
            ? ([
                ['(?>', '(?:'],
                ['(?P' + NAMED, NAMED],
              ] as Pair[])
            : []),
        ),
        tie('pattern'),
      )
      .map(([[po, jo], p]): Pair => [po + p[0] + ')', jo + p[1] + ')']),
  }));
  // Fill in back references and names once the groups are known.
  return pattern.map(([pcre, js]): Pair => {
    const groups = jsGroups(js.split(BACKREF).join('x').split(NAMEREF).join('x').split(NAMED).join('('));
    const named = js.split(NAMED).length - 1;
    const fill = (s: string): string => {
      let backrefs = 0;
      let names = 0;
      let namerefs = 0;
      return s
        .split(BACKREF)
        .reduce(
          (acc, part) =>
            acc + (groups === 0 ? 'x' : `(?:\\${1 + (backrefs++ % Math.min(groups, 7))})`) + part,
        )
        .split(NAMED)
        .reduce((acc, part) => acc + (acc.endsWith('(?P') ? `<g${names++}>` : `(?<g${names++}>`) + part)
        .split(NAMEREF)
        .reduce((acc, part) => acc + (named === 0 ? 'y' : `\\k<g${namerefs++ % named}>`) + part);
    };
    return [fill(pcre), fill(js)];
  });
}

describe('analyzePattern: properties', () => {
  it('accepts patterns valid in both dialects, with the group count JavaScript reports', () => {
    fc.assert(
      fc.property(grammar(false), ([body]) => {
        const r = analyzePattern(`/${body}/`);
        expect(r.issues.filter((i) => i.severity === 'error')).toEqual([]);
        expect(r.issues).toEqual([]);
        expect(r.groups).toBe(jsGroups(body));
        expect(r.pcreOnly).toEqual([]);
      }),
      { numRuns: 400 },
    );
  });

  it('accepts PCRE-only constructs and counts groups like their JavaScript equivalents', () => {
    fc.assert(
      fc.property(grammar(true), ([pcre, js]) => {
        const r = analyzePattern(`/${pcre}/`);
        expect(r.issues).toEqual([]);
        expect(r.groups).toBe(jsGroups(js));
        if (pcre !== js) expect(r.pcreOnly.length).toBeGreaterThan(0);
      }),
      { numRuns: 400 },
    );
  });

  it('never throws and always returns offsets inside the written string', () => {
    const chars = fc.constantFrom(...'()[]{}|*+?^$\\.-:=!<>#/PRQEkgpx0129aZ, '.split(''));
    fc.assert(
      fc.property(fc.array(chars, { maxLength: 24 }), (parts) => {
        const written = `/${parts.join('')}/`;
        const r = analyzePattern(written);
        for (const i of r.issues) {
          if (i.offset !== undefined) {
            expect(i.offset).toBeGreaterThanOrEqual(0);
            expect(i.offset).toBeLessThanOrEqual(written.length);
          }
        }
        expect(r.groups).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 1000 },
    );
  });
});
