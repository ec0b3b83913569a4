// Generated half of the PCRE conformance corpus: deterministic for a given seed, so the
// fixture can be rebuilt and compared. Three families:
// - fragments: random strings of pattern pieces, valid and invalid, that stress the
//   parser's corners (where one construct ends and the next begins);
// - grammar: well-formed patterns built from every feature, to compare capture counts
//   and compiled sizes;
// - limits: patterns around PCRE's compiled-size limit and its compile workspace.

/** mulberry32: a small, well-mixed 32-bit PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FRAGMENTS = [
  'a',
  'b',
  '0',
  '9',
  '-',
  ',',
  ' ',
  '#',
  '/',
  '"',
  "'",
  'é',
  '(',
  ')',
  '(?:',
  '(?<n>',
  "(?'m'",
  '(?P<p>',
  '(?=',
  '(?!',
  '(?<=',
  '(?<!',
  '(?>',
  '(?|',
  '(?i)',
  '(?x)',
  '(?J)',
  '(?X)',
  '(?-x)',
  '(?#c)',
  '(?#',
  '[',
  ']',
  '[^',
  '[]',
  '[^]',
  '[:digit:]',
  '[[:alpha:]]',
  '[a-z]',
  '[z-a]',
  '[\\d-z]',
  '{',
  '}',
  '{2}',
  '{2,}',
  '{,2}',
  '{2,1}',
  '{65536}',
  '*',
  '+',
  '?',
  '|',
  '^',
  '$',
  '.',
  '\\',
  '\\d',
  '\\D',
  '\\w',
  '\\s',
  '\\h',
  '\\R',
  '\\X',
  '\\N',
  '\\C',
  '\\K',
  '\\b',
  '\\B',
  '\\A',
  '\\z',
  '\\Z',
  '\\G',
  '\\1',
  '\\2',
  '\\8',
  '\\10',
  '\\0',
  '\\07',
  '\\400',
  '\\g1',
  '\\g{-1}',
  '\\g{1}',
  '\\g<1>',
  '\\g<n>',
  '\\k<n>',
  "\\k'm'",
  '\\k{p}',
  '(?P=n)',
  '(?&n)',
  '(?P>n)',
  '(?1)',
  '(?-1)',
  '(?+1)',
  '(?R)',
  '(?0)',
  '(?(1)',
  '(?(<n>)',
  '(?(R)',
  '(?(DEFINE)',
  '(?(?=a)',
  '(?C)',
  '(?C1)',
  '(*ACCEPT)',
  '(*FAIL)',
  '(*MARK:m)',
  '(*SKIP)',
  '(*UTF8)',
  '(*CR)',
  '\\Q',
  '\\E',
  '\\Qa|\\E',
  '\\x41',
  '\\x{41}',
  '\\x{100}',
  '\\o{101}',
  '\\cA',
  '\\c',
  '\\p{L}',
  '\\p{Latin}',
  '\\p{Ahom}',
  '\\P{Nd}',
  '\\pL',
  '\\y',
  '\\u0041',
  '\\L',
  '\\N{x}',
  '\n',
];

const LITERALS = ['a', 'b', 'x', '0', '7', '-', ',', '\\.', '\\+', '\\(', '\\[', '\\/', 'é', '\\Qa.\\E'];
const TYPES = [
  '.',
  '\\d',
  '\\D',
  '\\w',
  '\\W',
  '\\s',
  '\\h',
  '\\v',
  '\\N',
  '\\R',
  '\\X',
  '\\C',
  '\\p{L}',
  '\\P{Nd}',
  '\\p{Greek}',
];
const CLASSES = [
  '[abc]',
  '[^abc]',
  '[a-z]',
  '[0-9]',
  '[a]',
  '[^a]',
  '[é]',
  '[\\d.]',
  '[[:digit:]]',
  '[[:^space:]x]',
  '[\\h]',
  '[\\p{L}]',
  '[\\x00-\\x7f]',
  '[]a]',
  '[a-]',
  '[\\Q]\\E]',
  '[\\w-]',
];
const QUANTIFIERS = [
  '',
  '',
  '',
  '',
  '*',
  '+',
  '?',
  '*?',
  '+?',
  '??',
  '*+',
  '++',
  '?+',
  '{0}',
  '{1}',
  '{2}',
  '{3}',
  '{0,1}',
  '{0,2}',
  '{1,2}',
  '{2,4}',
  '{2,}',
  '{0,}',
  '{1,}',
  '{2}+',
  '{2,4}+',
  '{0,3}?',
  '{1,3}+',
];
const ASSERTS = [
  '^',
  '$',
  '\\b',
  '\\B',
  '\\A',
  '\\z',
  '\\Z',
  '\\G',
  '(?=a)',
  '(?!b)',
  '(?<=ab|c)',
  '(?<!\\d)',
];
const OPENERS = ['(', '(?:', '(?>', '(?|', '(?i:', '(?x:', '(?=', '(?!', '(?<=', '(?<!', 'NAMED'];

export function generatedPatterns(seed) {
  const rnd = prng(seed);
  const int = (n) => Math.floor(rnd() * n);
  const pick = (list) => list[int(list.length)];
  const out = [];

  // Fragments: 600 strings of 1 to 7 pieces.
  for (let k = 0; k < 600; k++) {
    const n = 1 + int(7);
    let s = '';
    for (let j = 0; j < n; j++) s += pick(FRAGMENTS);
    out.push(s);
  }

  // Grammar: 500 well-formed patterns. Lookbehinds only hold fixed-length pieces.
  let names = 0;
  const atom = (depth, groups) => {
    const r = rnd();
    if (r < 0.35) return pick(LITERALS);
    if (r < 0.5) return pick(TYPES);
    if (r < 0.62) return pick(CLASSES);
    if (r < 0.66 && groups.n > 0)
      return pick([
        `\\${1 + int(groups.n)}`,
        `\\g{${1 + int(groups.n)}}`,
        '\\g{-1}',
        `(?${1 + int(groups.n)})`,
      ]);
    if (depth >= 3) return pick(LITERALS);
    let open = pick(OPENERS);
    if (open === 'NAMED') open = pick(['(?<', "(?'", '(?P<']) + `g${names++}` + (rnd() < 0.5 ? '>' : '');
    if (open.startsWith("(?'") && !open.endsWith("'")) open += "'";
    if (open.startsWith('(?<') && /[a-z0-9]$/.test(open)) open += '>';
    if (open === '(' || open.startsWith("(?'") || open.startsWith('(?P<') || /^\(\?<g/.test(open)) groups.n++;
    if (open.startsWith('(?<=') || open.startsWith('(?<!')) return `${open}${fixedAlt()}|${fixedAlt()})`;
    return `${open}${alternation(depth + 1, groups)})`;
  };
  const fixedAlt = () => {
    let s = '';
    for (let j = 1 + int(3); j > 0; j--)
      s += pick(['a', '\\d', '[xy]', '.', 'b{2}', '(?:cd)', '\\p{L}', '\\x41']);
    return s;
  };
  const sequence = (depth, groups) => {
    let s = '';
    for (let j = int(5); j >= 0; j--) {
      if (rnd() < 0.12) s += pick(ASSERTS);
      else s += atom(depth, groups) + pick(QUANTIFIERS);
    }
    return s;
  };
  const alternation = (depth, groups) => {
    let s = sequence(depth, groups);
    while (rnd() < 0.3) s += '|' + sequence(depth, groups);
    return s;
  };
  for (let k = 0; k < 500; k++) {
    names = 0;
    const prefix = pick(['', '', '', '', '', '(?i)', '(?x)', '(*UTF8)', '(?s)', '(?m)', '(?J)']);
    out.push(prefix + alternation(0, { n: 0 }));
  }

  // Limits: the 64 KiB compiled-size limit and the compile workspace.
  const repeat = (s, n) => s.repeat(n);
  for (const n of [5459, 5460, 5461, 5462, 5463]) out.push(`(?:ab){${n}}`);
  for (const n of [8190, 8191, 8192]) out.push(`(?:\\d{2}){${n}}`);
  for (const n of [1985, 1986, 1987]) out.push(`(?:[ab]){${n}}`);
  for (const n of [8189, 8190, 8191, 8192]) out.push(repeat('()', n));
  for (const n of [21843, 21844, 21845]) out.push(`${repeat('ab', n)}`);
  for (const n of [250, 251, 797, 798, 799, 800]) out.push(repeat('(', n) + 'a' + repeat(')', n));
  for (const n of [1329, 1330, 1331, 1332]) out.push(repeat('(?:', n) + 'a' + repeat(')', n));
  for (const n of [569, 570, 571, 572]) out.push(repeat('a(', n) + 'a' + repeat(')', n));
  for (const n of [1330, 1331]) out.push(repeat('(?=', n) + 'a' + repeat(')', n));
  for (const n of [664, 665, 666]) out.push(repeat('(?<=', n) + 'a' + repeat(')', n));
  for (const n of [664, 665, 666, 667]) out.push(repeat('(?(1)', n) + 'a' + repeat(')', n) + '(b)');
  for (const n of [104, 105, 106, 107]) out.push(repeat('[ab](', n) + 'a' + repeat(')', n));
  for (const n of [99, 100, 101]) out.push(`(?:(?:a{${n}}){100}){${n}}`);
  for (const n of [2, 3, 6, 7]) out.push(`(?:(?:(?:a|b){10}){10}){${n}}`);
  for (const n of [40, 41, 42]) out.push(`(?:(?:ab){2,${n}}){40}`);
  for (const n of [3640, 3641, 3642]) out.push(`(?:(a)\\1){${n}}`);
  for (const n of [3854, 3855, 3856]) out.push(`(?<n>a)(?:\\k<n>){${n}}`);
  return out;
}
