/**
 * Offline check of KAZOO number-formatting regexes (`number_formatting.<dir>.to_number.pattern`
 * and its `replace`), so a bad pattern is caught before anything reaches the server.
 *
 * KAZOO compiles these with Erlang's `re`, which is PCRE: PCRE 8.x (8.33 in older Erlang/OTP
 * releases, 8.40-8.44 in later ones) until OTP 28 moved to PCRE2. KAZOO passes no options: no
 * flags, no Unicode mode; Erlang hands PCRE the pattern's UTF-8 bytes. Where PCRE versions
 * disagree we follow PCRE 8.44 and flag the disagreement: an error when one version would
 * refuse the pattern, a warning when they only read it differently.
 *
 * A hand-written parser that mirrors pcre_compile.c of PCRE 8.44 as built into Erlang/OTP
 * (LINK_SIZE 2, Latin-1 character tables): it counts capture groups, reports what PCRE would
 * reject, with the offset in the pattern as written (the leading '/' is offset 0), and works
 * out the compiled length PCRE's first pass computes, which decides "regular expression is too
 * large" (over 64 KiB), and the use of PCRE's fixed compile workspace, which decides "regular
 * expression is too complicated" (groups nested about 800 deep). It is checked against Erlang
 * itself: test/unit/pcre-erlang.test.ts and scripts/pcre-conformance/. Pure: no I/O.
 *
 * Refused on purpose although Erlang/OTP 25 compiles them (each message says why): \8 and \9
 * outside a class (PCRE 8.33 refuses them where no such group exists), and a NUL character in
 * the pattern (Erlang stops reading there, silently dropping the rest).
 *
 * Not modelled (the server decides): match-time behaviour and limits; PCRE2-only relaxations
 * (e.g. bounded variable-length lookbehind in PCRE2 10.43+, which we still report); the exact
 * compiled length of a few rarely used combinations (caseless classes in UTF mode, (*UCP)
 * classes), which are estimated.
 *
 * Noted but not reported: in PCRE `$` also matches before a final newline (JavaScript's does
 * not); phone numbers never end in a newline, so flagging every `$` would be noise.
 */

export interface PatternIssue {
  code: 'pattern_delimiters' | 'pattern_syntax' | 'pattern_js_only' | 'replace_group';
  severity: 'error' | 'warning';
  message: string;
  /** 0-based offset in the ORIGINAL written string (including the leading '/') where the problem is, when known */
  offset?: number;
}

export interface PatternAnalysis {
  /** The regex without its delimiters (best effort when the delimiters are wrong). */
  body?: string;
  /** Capture groups, named ones included ((?|...) counted as PCRE does). */
  groups: number;
  /** PCRE-only constructs found, e.g. 'possessive quantifier', for information. */
  pcreOnly: string[];
  /**
   * The length PCRE's first pass computes for the compiled code (what it compares with its
   * 65,536-byte limit); undefined when the pattern could not be read to the end.
   */
  compiledLength?: number;
  issues: PatternIssue[];
}

type Code = PatternIssue['code'];

// -------------------------------------------------------------------------------------------
// Characters

const BS = 0x5c; // \
const LPAREN = 0x28;
const RPAREN = 0x29;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const PIPE = 0x7c;
const STAR = 0x2a;
const PLUS = 0x2b;
const QMARK = 0x3f;
const MINUS = 0x2d;
const CARET = 0x5e;
const DOLLAR = 0x24;
const DOT = 0x2e;
const COLON = 0x3a;
const LT = 0x3c;
const GT = 0x3e;
const EQUALS = 0x3d;
const BANG = 0x21;
const APOS = 0x27;
const HASH = 0x23;
const AMP = 0x26;
const COMMA = 0x2c;
const CH_E = 0x45;
const CH_Q = 0x51;

const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
const isOct = (c: number): boolean => c >= 0x30 && c <= 0x37;
const isHex = (c: number): boolean => isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
const isLetter = (c: number): boolean => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isAlnum = (c: number): boolean => isLetter(c) || isDigit(c);
/** A word byte in Erlang's Latin-1 character tables: ASCII word characters and Latin-1 letters. */
const isWordByte = (c: number): boolean =>
  isAlnum(c) ||
  c === 0x5f ||
  c === 0xaa ||
  c === 0xb5 ||
  c === 0xba ||
  (c >= 0xc0 && c <= 0xff && c !== 0xd7 && c !== 0xf7);
/** PCRE's ctype_space: what extended mode (?x) skips. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const hexVal = (c: number): number => (isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10);
const utf8Length = (cp: number): number => (cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4);
function utf8Bytes(cp: number): number[] {
  if (cp < 0x80) return [cp];
  if (cp < 0x800) return [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)];
  if (cp < 0x10000) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
  return [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
}
/** PCRE's integer reading stops before a value that could overflow a C int. */
const INT_GUARD = Math.floor(2147483647 / 10) - 1;

const plural = (n: number, one: string, many = one + 's'): string => `${n} ${n === 1 ? one : many}`;
const groupsPhrase = (n: number): string =>
  n === 0 ? 'the pattern has no capture groups' : `the pattern has only ${plural(n, 'capture group')}`;

const POSIX_NAMES = new Set([
  'alpha',
  'lower',
  'upper',
  'alnum',
  'ascii',
  'blank',
  'cntrl',
  'digit',
  'graph',
  'print',
  'punct',
  'space',
  'word',
  'xdigit',
]);

/**
 * The property names PCRE 8.44 knows (its Unicode tables are those of Unicode 7.0): general
 * categories, PCRE's own specials and the scripts. Names are case-sensitive. Scripts added in
 * Unicode 8.0 and later (Ahom, Adlam, Osage, ...) and Unknown are not among them.
 */
const PCRE_PROPERTIES = new Set(
  (
    'Any L& Xan Xps Xsp Xwd Xuc C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No ' +
    'P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs ' +
    'Arabic Armenian Avestan Balinese Bamum Bassa_Vah Batak Bengali Bopomofo Brahmi Braille Buginese ' +
    'Buhid Canadian_Aboriginal Carian Caucasian_Albanian Chakma Cham Cherokee Common Coptic Cuneiform ' +
    'Cypriot Cyrillic Deseret Devanagari Duployan Egyptian_Hieroglyphs Elbasan Ethiopic Georgian ' +
    'Glagolitic Gothic Grantha Greek Gujarati Gurmukhi Han Hangul Hanunoo Hebrew Hiragana ' +
    'Imperial_Aramaic Inherited Inscriptional_Pahlavi Inscriptional_Parthian Javanese Kaithi Kannada ' +
    'Katakana Kayah_Li Kharoshthi Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B Lisu ' +
    'Lycian Lydian Mahajani Malayalam Mandaic Manichaean Meetei_Mayek Mende_Kikakui Meroitic_Cursive ' +
    'Meroitic_Hieroglyphs Miao Modi Mongolian Mro Myanmar Nabataean New_Tai_Lue Nko Ogham Ol_Chiki ' +
    'Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_South_Arabian Old_Turkic Oriya Osmanya ' +
    'Pahawh_Hmong Palmyrene Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan ' +
    'Saurashtra Sharada Shavian Siddham Sinhala Sora_Sompeng Sundanese Syloti_Nagri Syriac Tagalog ' +
    'Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Telugu Thaana Thai Tibetan Tifinagh Tirhuta ' +
    'Ugaritic Vai Warang_Citi Yi'
  ).split(' '),
);

/** Characters that PCRE matches through a list of several other cases in caseless UTF mode. */
const CASE_SETS = new Set([
  0x4b, 0x53, 0x6b, 0x73, 0xb5, 0xc5, 0xe5, 0x17f, 0x345, 0x392, 0x395, 0x398, 0x399, 0x39a, 0x39c, 0x3a0,
  0x3a1, 0x3a3, 0x3a6, 0x3a9, 0x3b2, 0x3b5, 0x3b8, 0x3b9, 0x3ba, 0x3bc, 0x3c0, 0x3c1, 0x3c2, 0x3c3, 0x3c6,
  0x3c9, 0x3d0, 0x3d1, 0x3d5, 0x3d6, 0x3f0, 0x3f1, 0x3f4, 0x3f5, 0x1e60, 0x1e61, 0x1e9b, 0x1fbe, 0x2126,
  0x212a, 0x212b,
]);

const JS_IDENTIFIER = /^[$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*$/u;

// -------------------------------------------------------------------------------------------
// PCRE's limits as built into Erlang/OTP (LINK_SIZE 2)

/** The largest compiled length PCRE accepts (MAX_PATTERN_SIZE). */
const MAX_LENGTH = 65536;
/** PCRE's compile workspace, less its safety margin: 2048 * LINK_SIZE - 100. */
const WORKSPACE_LIMIT = 4096 - 100;
const MAX_NAME_COUNT = 10000;
const MAX_MARK = 255;

// -------------------------------------------------------------------------------------------
// Syntax tree (just enough for lookbehind lengths and left-recursion checks)

type GroupKind = 'root' | 'capture' | 'noncap' | 'atomic' | 'reset' | 'lookahead' | 'lookbehind' | 'cond';

interface GroupNode {
  t: 'group';
  at: number;
  kind: GroupKind;
  num: number;
  alts: Node[][];
  closed: boolean;
  /** The condition of a (?(...)...) group, when it is not an assertion. */
  cond?: { name?: string; terminated: boolean; at: number; end: number; define: boolean };
  /** The assertion that is the condition of a conditional group (it cannot be repeated). */
  condAssert?: boolean;
  /** Enclosing groups, for lookbehinds (a call to one of them is a recursion). */
  ancestors?: GroupNode[];
  /** Unit index just after the closing ')'. */
  end?: number;
  /** Compiled length so far (PCRE's length_prevgroup once closed). */
  len: number;
  /** Bytes PCRE skips after the bracket opcode (group number, condition). */
  skip: number;
  /** A back reference to this capture group from inside it: PCRE wraps the group in an atomic one. */
  selfRef?: boolean;
}

type Node =
  | { t: 'one'; at: number; anyByte?: boolean }
  | { t: 'var'; at: number; end: number }
  | { t: 'zero'; at: number }
  | { t: 'backref'; at: number; end: number }
  | { t: 'call'; at: number; end: number; num?: number; name?: string }
  | GroupNode
  | { t: 'repeat'; at: number; qAt: number; qEnd: number; min: number; max: number; child: Node };

/**
 * How an item is compiled, for the length PCRE computes:
 * - char: OP_CHAR (or OP_NOT) followed by u bytes of character;
 * - type: a character type of u bytes (\d is 1, \p{L} is 3);
 * - cr: a class or (ref) back reference of n bytes, repeated by a trailing repeat opcode;
 * - group: a bracketed group of n bytes;
 * - recurse: a subroutine call or recursion (3 bytes);
 * - fixed: n bytes that cannot be repeated.
 */
type Size =
  | { k: 'char'; u: number }
  | { k: 'type'; u: number }
  | { k: 'cr'; n: number; ref?: boolean }
  | { k: 'group'; n: number; assert: boolean; cond: boolean }
  | { k: 'recurse' }
  | { k: 'fixed'; n: number };

function baseLength(s: Size): number {
  switch (s.k) {
    case 'char':
      return 1 + s.u;
    case 'type':
      return s.u;
    case 'cr':
    case 'group':
    case 'fixed':
      return s.n;
    case 'recurse':
      return 3;
  }
}

/** The compiled length of a repeated item, as PCRE's first pass counts it. */
function repeatedLength(s: Size, min: number, max: number, possessive: boolean): number {
  const base = baseLength(s);
  if (s.k === 'char' || s.k === 'type') {
    const u = s.u;
    const single = 1 + u; // STAR, PLUS, QUERY + the item
    const counted = 3 + u; // UPTO, EXACT + count + the item
    let n: number;
    if (max === 0) n = 0;
    else if (min === 0) n = max === Infinity || max === 1 ? single : counted;
    else if (min === 1) n = max === Infinity ? single : max === 1 ? base : base + counted;
    else n = counted + (max === Infinity ? single : max === min ? 0 : max - min === 1 ? single : counted);
    // {1,n} keeps a character type in place before the UPTO; made possessive, that pair is
    // wrapped in an atomic group.
    const wrap = possessive && s.k === 'type' && min === 1 && max !== Infinity && max > 1 ? 6 : 0;
    return Math.max(base, n) + wrap;
  }
  if (s.k === 'cr') {
    if (max === 0) return base;
    const simple = (min === 0 && (max === Infinity || max === 1)) || (min === 1 && max === Infinity);
    // A back reference has no possessive repeat opcode: PCRE wraps it in an atomic group.
    return base + (simple ? 1 : 5) + (possessive && s.ref ? 6 : 0);
  }
  if (s.k === 'fixed') return base;
  // Groups; a repeated call is first wrapped in an atomic group (6 more bytes).
  const g = s.k === 'recurse' ? 9 : s.n;
  const wrap = possessive ? 6 : 0;
  if (s.k === 'group' && s.assert) return min > 0 ? g : g + 1 + wrap;
  if (max === 0) return g + 1;
  const cond = s.k === 'group' && s.cond;
  if (min === 0) {
    if (max === 1) return g + 1 + wrap;
    if (max === Infinity) return g + 1 + (cond && possessive ? 6 : 0);
    return max * (g + 7) - 6 + wrap;
  }
  if (max === Infinity) return min * g + (cond && possessive ? 6 : 0) + (possessive && min >= 2 ? 6 : 0);
  return min * g + (max > min ? (max - min) * (g + 7) - 6 : 0) + wrap;
}

interface Atom {
  node: Node;
  repeatable: boolean;
  /** Why a following quantifier has nothing to repeat (for the message). */
  why?: string;
  size: Size;
}

/** The state of the branch being read. */
interface Seq {
  alt: Node[];
  /** Compiled sizes, parallel to alt. */
  sizes: Size[];
  /** Index in alt of the item a quantifier would repeat, or -1. */
  prev: number;
  /** Why a quantifier here would have nothing to repeat. */
  why: string;
  g: GroupNode;
}

/** A group to open: parseParen reads its start, parseSeq then reads its inside. */
interface Open {
  open: GroupNode;
  at: number;
  opts?: Opts;
}

type Esc =
  | { k: 'char'; v: number }
  | { k: 'type'; varLen?: boolean; anyByte?: boolean; prop?: boolean; list?: 'h' | 'H' | 'v' | 'V' }
  | { k: 'assert' }
  | { k: 'ref'; n: number }
  | { k: 'kref'; name: string }
  | { k: 'call'; node: Node }
  | { k: 'Q' }
  | { k: 'E' }
  | { k: 'special' }
  | { k: 'bad' };

interface Opts {
  /** (?x): whitespace and #-comments are ignored outside classes. */
  x: boolean;
  /** (?X): unknown escapes are errors. */
  extra: boolean;
  /** (?J): duplicate group names allowed. */
  dupnames: boolean;
  /** (?i): caseless (changes the compiled length of some characters in UTF mode). */
  i: boolean;
}

type Newline = 'lf' | 'cr' | 'crlf' | 'anycrlf' | 'any';

/** Thrown to stop at an error after which PCRE's reading of the rest is unknowable. */
class Stop extends Error {}

interface Bad {
  at: number;
  why: string;
}
const isBad = (v: number | Bad): v is Bad => typeof v !== 'number';

/** The character lists \h and \v add to a class, as ranges of code points. */
const HSPACE: [number, number][] = [
  [0x09, 0x09],
  [0x20, 0x20],
  [0xa0, 0xa0],
  [0x1680, 0x1680],
  [0x180e, 0x180e],
  [0x2000, 0x200a],
  [0x202f, 0x202f],
  [0x205f, 0x205f],
  [0x3000, 0x3000],
];
const VSPACE: [number, number][] = [
  [0x0a, 0x0d],
  [0x85, 0x85],
  [0x2028, 0x2029],
];
function complement(list: [number, number][]): [number, number][] {
  const out: [number, number][] = [];
  let next = 0;
  for (const [a, b] of list) {
    if (a > next) out.push([next, a - 1]);
    next = b + 1;
  }
  out.push([next, 0x10ffff]);
  return out;
}

// -------------------------------------------------------------------------------------------
// The parser. It works on "units": the pattern's UTF-8 bytes (KAZOO compiles without Unicode
// support, so PCRE sees bytes), or its code points after a leading (*UTF8)/(*UTF).

interface Settings {
  start: number;
  utf: boolean;
  ucp: boolean;
  newline: Newline;
  found: string[];
}

class Parser {
  readonly issues: PatternIssue[] = [];
  readonly pcreOnly: string[] = [];
  groupCount = 0;
  aborted = false;
  /** PCRE's compiled length (first pass), set when the pattern was read to the end. */
  length?: number;

  private i: number;
  private opts: Opts = { x: false, extra: false, dupnames: false, i: false };
  private inQ = false;
  private pendingCondAssert = false;
  private warnedNonAscii = false;
  /** A (?| group was seen: PCRE reserves more room for each later named reference. */
  private dupgroups = false;
  /** The text of the last quantifier, for the "nothing to repeat" message. */
  private lastQuant = '';
  /** Where the current branch starts in PCRE's compile workspace, and what the branch keeps there. */
  private wsBase = 3;
  private wsKept = 0;
  private nameEntries = 0;
  private readonly utf: boolean;
  private readonly ucp: boolean;
  private readonly newline: Newline;
  private readonly names: { name: string; num: number; at: number }[] = [];
  private readonly numRefs: { num: number; at: number; end: number; call: boolean }[] = [];
  private readonly nameRefs: { name: string; at: number; end: number }[] = [];
  private readonly conds: GroupNode[] = [];
  private readonly lookbehinds: GroupNode[] = [];
  private readonly groupsByNum = new Map<number, GroupNode>();
  private readonly stack: GroupNode[] = [];
  private readonly root: GroupNode = {
    t: 'group',
    at: 0,
    kind: 'root',
    num: 0,
    alts: [],
    closed: false,
    len: 6,
    skip: 0,
  };

  constructor(
    private readonly u: readonly number[],
    private readonly offs: readonly number[],
    private readonly body: string,
    private readonly base: number,
    settings: Settings,
  ) {
    this.i = settings.start;
    this.utf = settings.utf;
    this.ucp = settings.ucp;
    this.newline = settings.newline;
  }

  // ---- helpers

  private c(k: number): number {
    return this.u[k] ?? -1;
  }
  /** Offset in the written string of unit k. */
  private off(k: number): number {
    return this.base + (this.offs[k] ?? this.body.length);
  }
  private text(a: number, b: number): string {
    return this.body.slice(this.offs[a] ?? this.body.length, this.offs[b] ?? this.body.length);
  }
  private issue(code: Code, severity: 'error' | 'warning', at: number, message: string): void {
    this.issues.push({ code, severity, message, offset: this.off(at) });
  }
  private error(at: number, message: string, code: Code = 'pattern_syntax'): void {
    this.issue(code, 'error', at, message);
  }
  private warn(at: number, message: string, code: Code = 'pattern_syntax'): void {
    this.issue(code, 'warning', at, message);
  }
  private fatal(at: number, message: string, code: Code = 'pattern_syntax'): never {
    this.error(at, message, code);
    throw new Stop(message);
  }
  private only(what: string): void {
    if (!this.pcreOnly.includes(what)) this.pcreOnly.push(what);
  }
  private isCountedRepeat(p: number): boolean {
    if (!isDigit(this.c(p))) return false;
    while (isDigit(this.c(p))) p++;
    if (this.c(p) === RBRACE) return true;
    if (this.c(p++) !== COMMA) return false;
    if (this.c(p) === RBRACE) return true;
    if (!isDigit(this.c(p))) return false;
    while (isDigit(this.c(p))) p++;
    return this.c(p) === RBRACE;
  }
  /** A unit PCRE reads as part of a group name (its word characters, byte by byte). */
  private isNameUnit(k: number): boolean {
    const ch = this.c(k);
    if (ch < 0) return false;
    if (this.utf && ch >= 0x80) return utf8Bytes(ch).every(isWordByte);
    return isWordByte(ch);
  }
  /** The first byte PCRE sees at unit k. */
  private leadByte(k: number): number {
    const ch = this.c(k);
    return this.utf && ch >= 0x80 ? (utf8Bytes(ch)[0] ?? -1) : ch;
  }
  /** Reads decimal digits at p as PCRE does; `overflow` when the number would not fit a C int. */
  private readInt(p: number): { value: number; end: number; overflow: boolean } {
    let value = 0;
    while (isDigit(this.c(p))) {
      if (value > INT_GUARD) {
        while (isDigit(this.c(p))) p++;
        return { value, end: p, overflow: true };
      }
      value = value * 10 + this.c(p++) - 0x30;
    }
    return { value, end: p, overflow: false };
  }
  /** The compiled length of a literal character. */
  private charSize(v: number): Size {
    if (this.utf && this.opts.i && CASE_SETS.has(v)) return { k: 'type', u: 3 };
    return { k: 'char', u: this.utf ? utf8Length(v) : 1 };
  }
  private noteNonAscii(k: number): void {
    if (this.utf || this.warnedNonAscii || this.c(k) < 0x80) return;
    this.warnedNonAscii = true;
    const ch = this.body.slice(this.offs[k] ?? 0).codePointAt(0) ?? 0;
    const bytes = utf8Length(ch);
    this.warn(
      k,
      `non-ASCII character '${String.fromCodePoint(ch)}' at offset ${this.off(k)}: KAZOO compiles patterns ` +
        `without Unicode support, so PCRE sees it as ${bytes} separate bytes (a quantifier after it repeats only ` +
        `the last byte; in a class each byte is a separate member); JavaScript reads one character`,
      'pattern_js_only',
    );
  }
  /** Skips (?x) whitespace and comments. */
  private skipExtended(): void {
    for (;;) {
      while (isSpace(this.c(this.i))) this.i++;
      if (this.c(this.i) !== HASH) return;
      this.i++;
      while (this.c(this.i) !== -1) {
        const ch = this.c(this.i);
        if (this.newline === 'crlf') {
          if (ch === 0x0d && this.c(this.i + 1) === 0x0a) {
            this.i += 2;
            break;
          }
        } else if (
          (this.newline === 'lf' && ch === 0x0a) ||
          (this.newline === 'cr' && ch === 0x0d) ||
          (this.newline === 'anycrlf' && (ch === 0x0a || ch === 0x0d)) ||
          (this.newline === 'any' &&
            ((ch >= 0x0a && ch <= 0x0d) || ch === 0x85 || ch === 0x2028 || ch === 0x2029))
        ) {
          this.i += ch === 0x0d && this.c(this.i + 1) === 0x0a && this.newline !== 'cr' ? 2 : 1;
          break;
        }
        this.i++;
      }
    }
  }

  // ---- PCRE's compile workspace

  /** PCRE's first pass keeps the open groups' brackets in a fixed workspace; too deep a nest overflows it. */
  private workspace(used: number, at: number): void {
    if (used <= WORKSPACE_LIMIT) return;
    this.fatal(
      at,
      `the pattern is too complicated for PCRE at offset ${this.off(at)}: its groups are nested too deeply ` +
        `(PCRE's compile workspace overflows at about 798 nested capture groups or 1,330 non-capturing ones, ` +
        `fewer with other items between them); Erlang reports "regular expression is too complicated"`,
    );
  }
  private static workspaceSize(s: Size): number {
    return s.k === 'group' ? 6 : baseLength(s);
  }

  // ---- entry

  parse(): void {
    try {
      this.stack.push(this.root);
      this.parseGroup(0, this.root);
      this.root.closed = true;
      this.finish();
      this.length = 1 + this.root.len;
    } catch (e) {
      if (e instanceof RangeError && this.stack.length > 100) {
        // Not expected within PCRE's own nesting limit, but a smaller JavaScript stack could end here.
        this.error(
          this.i,
          `the pattern is nested ${this.stack.length} groups deep at offset ${this.off(this.i)}, too deep for ` +
            'kzops to check; PCRE itself refuses nests much beyond 800 groups: flatten the pattern',
        );
      } else if (!(e instanceof Stop)) throw e;
      this.aborted = true;
    }
  }

  /**
   * One branch, up to '|', ')' or the end. Kept small, and the quantifier and parenthesis work
   * is done in separate methods, because nested groups recurse through here: PCRE accepts
   * some 1,330 nested groups, and a cold JavaScript stack must hold that many levels.
   */
  private parseSeq(alt: Node[], top: boolean, g: GroupNode): void {
    const seq: Seq = { alt, sizes: [], prev: -1, why: 'has nothing before it to repeat', g };
    this.workspace(this.wsBase, this.i);
    for (;;) {
      if (this.inQ) {
        if (this.c(this.i) === -1) return;
        this.quotedChar(seq);
        continue;
      }
      if (this.opts.x) this.skipExtended();
      const ch = this.c(this.i);
      if (ch === -1 || ch === PIPE) return;
      if (ch === RPAREN) {
        if (!top) return;
        this.strayParen(seq);
      } else if (
        ch === STAR ||
        ch === PLUS ||
        ch === QMARK ||
        (ch === LBRACE && this.isCountedRepeat(this.i + 1))
      )
        this.quantify(seq);
      else if (ch === LPAREN) {
        const r = this.parseParen();
        if (r !== null) this.addAtom(seq, 'open' in r ? this.parseGroup(r.at, r.open, r.opts) : r);
      } else {
        const atom = this.parseAtom();
        if (atom !== null) this.addAtom(seq, atom);
      }
    }
  }

  private quotedChar(seq: Seq): void {
    if (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) {
      this.inQ = false;
      this.i += 2;
      return;
    }
    this.noteNonAscii(this.i);
    this.addAtom(seq, {
      node: { t: 'one', at: this.i },
      repeatable: true,
      size: this.charSize(this.c(this.i)),
    });
    this.i++;
  }

  private strayParen(seq: Seq): void {
    this.error(
      this.i,
      `unmatched ')' at offset ${this.off(this.i)}: remove it, add the missing '(', or write \\) for a literal ')'`,
    );
    this.i++;
    seq.prev = -1;
    seq.why = "follows an unmatched ')'";
  }

  private addAtom(seq: Seq, atom: Atom): void {
    seq.alt.push(atom.node);
    seq.sizes.push(atom.size);
    seq.g.len += baseLength(atom.size);
    const ws = Parser.workspaceSize(atom.size);
    this.workspace(this.wsBase + this.wsKept + ws, this.i);
    if (atom.repeatable) {
      seq.prev = seq.alt.length - 1;
      this.wsKept = ws;
    } else {
      seq.prev = -1;
      this.wsKept = 0;
      seq.why = atom.why ?? 'has nothing before it to repeat';
    }
  }

  private quantify(seq: Seq): void {
    const q = this.readQuantifier();
    const target = seq.prev >= 0 ? seq.alt[seq.prev] : undefined;
    const size = seq.prev >= 0 ? seq.sizes[seq.prev] : undefined;
    if (target === undefined || size === undefined) {
      const lit = q.text.charAt(0);
      this.error(
        q.at,
        `nothing to repeat at offset ${this.off(q.at)}: '${q.text}' ${seq.why}` +
          (seq.why.startsWith('follows a quantifier') && /^([*+?]|\{[\d,]+\})$/.test(q.prevText)
            ? `; PCRE has no '${q.prevText}${q.text}': write '${q.prevText}+' (possessive) or '${q.prevText}?' (lazy)`
            : '') +
          `; write \\${lit} for a literal '${lit}'`,
      );
      seq.why = 'follows an invalid quantifier';
      return;
    }
    seq.alt[seq.prev] = {
      t: 'repeat',
      at: target.at,
      qAt: q.at,
      qEnd: q.end,
      min: q.min,
      max: q.max,
      child: target,
    };
    const repeated = repeatedLength(size, q.min, q.max, q.possessive);
    seq.g.len += repeated - baseLength(size);
    // In the workspace the repeat rewrites the item: a group keeps its brackets (6 bytes) plus
    // what the repeat adds around them.
    const around = (q.min === 0 ? (q.max <= 1 || q.max === Infinity ? 1 : 7) : 0) + (q.possessive ? 6 : 0);
    const kept = size.k === 'group' ? 6 + around : size.k === 'recurse' ? 9 + around : repeated;
    this.workspace(this.wsBase + kept, q.at);
    this.wsKept = 0;
    if (target.t === 'group' && target.kind === 'lookbehind') this.only('quantified lookbehind');
    seq.prev = -1;
    seq.why = `follows a quantifier ('${this.text(q.at, q.end)}')`;
    this.lastQuant = this.text(q.at, q.end);
  }

  private readQuantifier(): {
    at: number;
    end: number;
    min: number;
    max: number;
    possessive: boolean;
    text: string;
    prevText: string;
  } {
    const at = this.i;
    const prevText = this.lastQuant;
    const ch = this.c(at);
    let min = 0;
    let max = Infinity;
    if (ch === STAR) this.i++;
    else if (ch === PLUS) {
      min = 1;
      this.i++;
    } else if (ch === QMARK) {
      max = 1;
      this.i++;
    } else {
      let p = at + 1;
      let tooBig = false;
      while (isDigit(this.c(p))) {
        min = min * 10 + this.c(p) - 0x30;
        if (min > 65535) tooBig = true;
        p++;
      }
      if (this.c(p) === RBRACE) max = min;
      else {
        p++; // ','
        if (this.c(p) !== RBRACE) {
          max = 0;
          while (isDigit(this.c(p))) {
            max = max * 10 + this.c(p) - 0x30;
            if (max > 65535) tooBig = true;
            p++;
          }
        }
      }
      this.i = p + 1;
      const q = this.text(at, this.i);
      if (tooBig) {
        this.error(
          at,
          `number too big in quantifier '${q}' at offset ${this.off(at)}: PCRE allows at most 65535`,
        );
        min = Math.min(min, 65535);
        max = max === Infinity ? max : Math.min(max, 65535);
      } else if (max < min) {
        this.error(
          at,
          `numbers out of order in quantifier '${q}' at offset ${this.off(at)}: write {${max},${min}} (minimum first)`,
        );
        max = min;
      }
    }
    const end0 = this.i;
    // Before the possessive or lazy mark PCRE skips (?x) white space and comments, then one
    // (?#...) comment.
    if (this.opts.x) this.skipExtended();
    if (this.c(this.i) === LPAREN && this.c(this.i + 1) === QMARK && this.c(this.i + 2) === HASH) {
      const s = this.i;
      let p = s + 3;
      while (this.c(p) !== -1 && this.c(p) !== RPAREN) p++;
      if (this.c(p) === -1)
        this.fatal(s, `the comment '(?#' at offset ${this.off(s)} is never closed: add ')'`);
      this.i = p + 1;
      this.only('comment (?#...)');
    }
    let possessive = false;
    if (this.c(this.i) === PLUS) {
      this.only('possessive quantifier');
      possessive = true;
      this.i++;
    } else if (this.c(this.i) === QMARK) this.i++;
    return { at, end: this.i, min, max, possessive, text: this.text(at, end0), prevText };
  }

  private parseAtom(): Atom | null {
    const s = this.i;
    const ch = this.c(s);
    if (ch === CARET || ch === DOLLAR) {
      this.i++;
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the anchor '${String.fromCharCode(ch)}'`,
        size: { k: 'fixed', n: 1 },
      };
    }
    if (ch === DOT) {
      this.i++;
      return { node: { t: 'one', at: s }, repeatable: true, size: { k: 'type', u: 1 } };
    }
    if (ch === LBRACKET) return this.parseClass();
    if (ch === BS) return this.parseEscapeAtom();
    this.noteNonAscii(s);
    this.i++;
    return { node: { t: 'one', at: s }, repeatable: true, size: this.charSize(ch) };
  }

  // ---- escapes

  private parseEscapeAtom(): Atom | null {
    const s = this.i;
    const e = this.readEscape('out');
    if (e.k === 'char') return { node: { t: 'one', at: s }, repeatable: true, size: this.charSize(e.v) };
    if (e.k === 'type') {
      const u = e.prop || (this.ucp && /[dDsSwW]/.test(this.text(s + 1, s + 2))) ? 3 : 1;
      return {
        node: e.varLen ? { t: 'var', at: s, end: this.i } : { t: 'one', at: s, anyByte: e.anyByte },
        repeatable: true,
        size: { k: 'type', u },
      };
    }
    if (e.k === 'assert') {
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the assertion '${this.text(s, this.i)}', which cannot be repeated`,
        size: { k: 'fixed', n: 1 },
      };
    }
    if (e.k === 'ref') {
      this.numRefs.push({ num: e.n, at: s, end: this.i, call: false });
      this.markSelfRef(e.n);
      return {
        node: { t: 'backref', at: s, end: this.i },
        repeatable: true,
        size: { k: 'cr', n: 3, ref: true },
      };
    }
    if (e.k === 'kref') return this.namedRef(s, e.name);
    if (e.k === 'call') return { node: e.node, repeatable: true, size: { k: 'recurse' } };
    if (e.k === 'Q') {
      if (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) this.i += 2;
      else this.inQ = true;
      this.only('quoting \\Q...\\E');
      return null;
    }
    if (e.k === 'E') {
      this.only('\\E without \\Q');
      return null;
    }
    // 'special' cannot happen outside a range; 'bad' was reported.
    return { node: { t: 'one', at: s }, repeatable: true, size: { k: 'char', u: 1 } };
  }

  /** A named back reference (\k<n>, \g{n}, (?P=n)); PCRE reserves room for a duplicated name. */
  private namedRef(s: number, name: string): Atom {
    this.nameRefs.push({ name, at: s, end: this.i });
    this.current().len += 2 + 12 + (this.dupgroups ? 12 : 0);
    for (const n of this.names) if (n.name === name) this.markSelfRef(n.num);
    return {
      node: { t: 'backref', at: s, end: this.i },
      repeatable: true,
      size: { k: 'cr', n: 3, ref: true },
    };
  }

  /** A named call ((?&n), (?P>n), \g<n>); it takes the same extra room as a named reference. */
  private namedCallSize(): void {
    this.current().len += 2 + 12 + (this.dupgroups ? 12 : 0);
  }

  private current(): GroupNode {
    return this.stack[this.stack.length - 1] ?? this.root;
  }

  private markSelfRef(num: number): void {
    for (let k = this.stack.length - 1; k >= 0; k--) {
      const g = this.stack[k];
      if (g?.kind === 'capture' && g.num === num) {
        g.selfRef = true;
        return;
      }
    }
  }

  /** Reads the escape at this.i (a backslash) and moves past it. */
  private readEscape(ctx: 'out' | 'class' | 'rangeEnd'): Esc {
    const s = this.i;
    const ch = this.c(s + 1);
    if (ch === -1)
      this.fatal(
        s,
        `the pattern ends with a lone '\\' at offset ${this.off(s)}: remove it, or write \\\\ for a literal backslash`,
      );
    this.i = s + 2;
    const inClass = ctx !== 'out';
    if (!isAlnum(ch)) {
      if (ch >= 0x80) this.noteNonAscii(s + 1);
      return { k: 'char', v: ch };
    }
    if (isDigit(ch)) return this.readDigitEscape(s, ch, inClass);
    const L = String.fromCharCode(ch);
    const o = this.off(s);
    // At the end of a range, anything but a single character is an error (ERR83).
    if (ctx === 'rangeEnd' && 'ABCDEGHKNPQRSVWXZdhkpsvwz'.includes(L)) return { k: 'special' };
    switch (L) {
      case 'a':
        this.only('\\a (bell)');
        return { k: 'char', v: 7 };
      case 'e':
        this.only('\\e (escape)');
        return { k: 'char', v: 27 };
      case 'f':
        return { k: 'char', v: 12 };
      case 'n':
        return { k: 'char', v: 10 };
      case 'r':
        return { k: 'char', v: 13 };
      case 't':
        return { k: 'char', v: 9 };
      case 'b':
        return inClass ? { k: 'char', v: 8 } : { k: 'assert' };
      case 'B':
        return inClass ? this.classLetter(s, ch) : { k: 'assert' };
      case 'A':
      case 'Z':
      case 'z':
      case 'G':
      case 'K':
        if (inClass) return this.classLetter(s, ch);
        this.only(L === 'K' ? 'match start reset \\K' : `anchor \\${L}`);
        return { k: 'assert' };
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { k: 'type' };
      case 'h':
      case 'H':
      case 'v':
      case 'V':
        this.only(L === 'h' || L === 'H' ? '\\h, \\H (horizontal space)' : '\\v, \\V (vertical space)');
        return { k: 'type', list: L };
      case 'C':
        if (inClass) return this.classLetter(s, ch);
        this.only('\\C (one byte)');
        return { k: 'type', anyByte: true };
      case 'R':
      case 'X':
        if (inClass) return this.classLetter(s, ch);
        this.only(L === 'R' ? '\\R (any newline)' : '\\X (grapheme cluster)');
        return { k: 'type', varLen: true };
      case 'N':
        if (this.c(this.i) === LBRACE && !this.isCountedRepeat(this.i + 1)) {
          let p = this.i;
          while (this.c(p) !== -1 && this.c(p) !== RBRACE) p++;
          this.i = this.c(p) === RBRACE ? p + 1 : this.i;
          this.error(
            s,
            `'${this.text(s, this.i)}' at offset ${o}: PCRE does not support \\N{name}; write the character itself or \\xHH`,
          );
          return { k: 'bad' };
        }
        if (inClass) {
          this.error(
            s,
            `'\\N' at offset ${o} is not allowed in a character class: use [^\\n] or \\N outside a class`,
          );
          return { k: 'bad' };
        }
        this.only('\\N (not a newline)');
        return { k: 'type' };
      case 'p':
      case 'P':
        return this.readProperty(s, L === 'P');
      case 'Q':
        return { k: 'Q' };
      case 'E':
        return { k: 'E' };
      case 'c': {
        const x = this.c(this.i);
        if (x === -1)
          this.fatal(s, `'\\c' at offset ${o} ends the pattern: \\c needs a following character, e.g. \\cA`);
        if (x > 0x7f) this.error(s, `'\\c' at offset ${o} must be followed by an ASCII character`);
        this.i++;
        return { k: 'char', v: ((x >= 0x61 && x <= 0x7a ? x - 32 : x) ^ 0x40) & 0xff };
      }
      case 'x':
        return this.readHex(s);
      case 'o':
        return this.readOctBrace(s);
      case 'g':
        if (!inClass) return this.readG(s);
        // PCRE reads \g in a class as the letter g, even under (?X).
        this.warn(
          s,
          `'\\g' at offset ${o} inside a character class is just the letter 'g' for PCRE 8 (PCRE2 rejects it); ` +
            'write g without the backslash',
        );
        return { k: 'char', v: ch };
      case 'k':
        return inClass ? this.classLetter(s, ch) : this.readK(s);
      case 'l':
      case 'L':
      case 'U':
        this.error(
          s,
          `'\\${L}' at offset ${o}: PCRE does not support \\L, \\l, \\N{name}, \\U, or \\u (Perl case-changing escapes); remove it`,
        );
        return { k: 'bad' };
      case 'u':
        return this.readU(s);
      default:
        if (this.opts.extra) {
          this.error(s, `unrecognized character follows \\ at offset ${o} ('\\${L}' under (?X)): write ${L}`);
          return { k: 'bad' };
        }
        this.warn(
          s,
          `'\\${L}' at offset ${o} is not a PCRE escape: PCRE 8 reads it as the letter '${L}', PCRE2 ` +
            `(Erlang/OTP 28+) rejects it; write ${L} without the backslash`,
        );
        return { k: 'char', v: ch };
    }
  }

  /** \B, \R, \X, \k ... inside a class: a literal letter for PCRE 8, an error for PCRE2. */
  private classLetter(s: number, ch: number): Esc {
    const L = String.fromCharCode(ch);
    if (this.opts.extra)
      this.error(s, `invalid escape sequence '\\${L}' in a character class at offset ${this.off(s)}`);
    else
      this.warn(
        s,
        `'\\${L}' at offset ${this.off(s)} inside a character class is just the letter '${L}' for PCRE 8 ` +
          `(PCRE2 rejects it); write ${L} without the backslash`,
      );
    return { k: 'char', v: ch };
  }

  private readDigitEscape(s: number, ch: number, inClass: boolean): Esc {
    const o = this.off(s);
    if (ch === 0x30) {
      let v = 0;
      for (let k = 0; k < 2 && isOct(this.c(this.i)); k++) v = v * 8 + this.c(this.i++) - 0x30;
      return { k: 'char', v };
    }
    if (!inClass) {
      const n = this.readInt(s + 1);
      if (n.overflow) {
        this.i = n.end;
        this.error(s, `number is too big in '${this.text(s, n.end)}' at offset ${o}`);
        return { k: 'bad' };
      }
      // \1-\7 are always back references; \8 and more only when that many groups came before.
      if (n.value < 8 || n.value <= this.groupCount) {
        this.i = n.end;
        return { k: 'ref', n: n.value };
      }
      if (ch >= 0x38) {
        const d = String.fromCharCode(ch);
        this.error(
          s,
          `'\\${d}' at offset ${o} is read differently by PCRE releases: PCRE 8.33 (older Erlang/OTP releases) reads ` +
            `it as a back reference to group ${d}, which does not exist, and refuses the pattern; PCRE 8.40 to ` +
            `8.44 (later releases, up to OTP 27) read the digit ${d}; write ${d} without the backslash`,
        );
        return { k: 'char', v: ch };
      }
    } else if (ch >= 0x38) {
      const d = String.fromCharCode(ch);
      this.warn(
        s,
        `'\\${d}' at offset ${o} in a class: PCRE 8.33 reads it as a NUL byte followed by '${d}', newer ` +
          `versions as '${d}'; write ${d} without the backslash`,
      );
      return { k: 'char', v: ch };
    }
    let v = 0;
    let p = s + 1;
    for (let k = 0; k < 3 && isOct(this.c(p)); k++) v = v * 8 + this.c(p++) - 0x30;
    this.i = p;
    if (v > 0xff && !this.utf)
      this.error(
        s,
        `octal value '${this.text(s, p)}' at offset ${o} is greater than \\377: without Unicode support a character is one byte`,
      );
    return { k: 'char', v };
  }

  /** PCRE refuses a UTF-16 surrogate as a character in UTF mode. */
  private checkSurrogate(s: number, v: number): boolean {
    if (!this.utf || v < 0xd800 || v > 0xdfff) return true;
    this.error(
      s,
      `'${this.text(s, this.i)}' at offset ${this.off(s)} is a surrogate code point (U+D800 to U+DFFF), which PCRE ` +
        'does not allow as a character in UTF mode',
    );
    return false;
  }

  private readHex(s: number): Esc {
    const o = this.off(s);
    const max = this.utf ? 0x10ffff : 0xff;
    if (this.c(this.i) === LBRACE) {
      let p = this.i + 1;
      if (this.c(p) === RBRACE) {
        this.i = p + 1;
        this.error(s, `'\\x{}' at offset ${o} has no digits: write \\x{HH}`);
        return { k: 'bad' };
      }
      let v = 0;
      let over = false;
      while (isHex(this.c(p))) {
        v = v * 16 + hexVal(this.c(p));
        if (v > max) over = true;
        p++;
      }
      if (over) {
        this.i = p;
        this.error(
          s,
          `character value in '${this.text(s, p)}' at offset ${o} is too large: ` +
            (this.utf
              ? 'Unicode ends at \\x{10ffff}'
              : 'without Unicode support PCRE accepts at most \\x{ff}'),
        );
        return { k: 'bad' };
      }
      if (this.c(p) !== RBRACE) {
        this.i = p;
        this.error(
          s,
          `'${this.text(s, p + 1)}' at offset ${o}: \\x{...} must contain only hex digits and end with '}'`,
        );
        return { k: 'bad' };
      }
      this.i = p + 1;
      this.only('\\x{...} escape');
      return this.checkSurrogate(s, v) ? { k: 'char', v } : { k: 'bad' };
    }
    let v = 0;
    let k = 0;
    while (k < 2 && isHex(this.c(this.i))) {
      v = v * 16 + hexVal(this.c(this.i++));
      k++;
    }
    if (k === 0)
      this.warn(
        s,
        `'\\x' at offset ${o} is not followed by hex digits: PCRE reads it as the character 0 (NUL), ` +
          `JavaScript as the letter 'x'; write \\x00 or x`,
        'pattern_js_only',
      );
    else if (k === 1) {
      const t = this.text(s, this.i);
      this.warn(
        s,
        `'${t}' at offset ${o}: PCRE reads it as the character 0x0${t.slice(2)}, JavaScript as '${t.slice(1)}'; ` +
          `write \\x0${t.slice(2)} to be unambiguous`,
        'pattern_js_only',
      );
    }
    return { k: 'char', v };
  }

  private readOctBrace(s: number): Esc {
    const o = this.off(s);
    if (this.c(this.i) !== LBRACE) {
      this.error(
        s,
        `missing opening brace after \\o at offset ${o}: write \\o{17} (octal) or o without the backslash`,
      );
      return { k: 'bad' };
    }
    let p = this.i + 1;
    if (this.c(p) === RBRACE) {
      this.i = p + 1;
      this.error(s, `'\\o{}' at offset ${o} has no digits: write \\o{17}`);
      return { k: 'bad' };
    }
    let v = 0;
    let over = false;
    while (isOct(this.c(p))) {
      v = v * 8 + this.c(p++) - 0x30;
      if (v > (this.utf ? 0x10ffff : 0xff)) over = true;
    }
    if (over) {
      this.i = p;
      this.error(
        s,
        `character value in '${this.text(s, p)}' at offset ${o} is too large (at most \\o{${this.utf ? '4177777' : '377'}})`,
      );
      return { k: 'bad' };
    }
    if (this.c(p) !== RBRACE) {
      this.i = p;
      this.error(s, `non-octal character in \\o{...} at offset ${o} (closing brace missing?)`);
      return { k: 'bad' };
    }
    this.i = p + 1;
    this.only('\\o{...} escape');
    return this.checkSurrogate(s, v) ? { k: 'char', v } : { k: 'bad' };
  }

  private readProperty(s: number, negated: boolean): Esc {
    const o = this.off(s);
    const x = this.c(this.i);
    let name: string;
    if (x === -1) {
      this.error(s, `malformed '\\${negated ? 'P' : 'p'}' at offset ${o}: write \\p{L} or \\pL`);
      return { k: 'bad' };
    }
    if (x === LBRACE) {
      let p = this.i + 1;
      if (this.c(p) === CARET) p++;
      const ns = p;
      while (this.c(p) !== -1 && this.c(p) !== RBRACE && p - ns < 31) p++;
      if (this.c(p) !== RBRACE)
        this.fatal(
          s,
          `malformed '\\${negated ? 'P' : 'p'}{...}' at offset ${o}: the name is too long or '}' is missing`,
        );
      name = this.text(ns, p);
      this.i = p + 1;
    } else {
      name = this.text(this.i, this.i + 1);
      this.i++;
    }
    if (!PCRE_PROPERTIES.has(name))
      this.error(
        s,
        `unknown Unicode property '${name}' in '${this.text(s, this.i)}' at offset ${o}: PCRE 8 (Erlang re) knows ` +
          `the general categories (L, Lu, Ll, N, Nd, P, S, Z, ...) and the scripts of Unicode 7.0 (Latin, Greek, ` +
          `Cyrillic, ...); scripts added later, such as Ahom, Adlam or Osage, and Unknown are not among them`,
      );
    this.only('Unicode property \\p{...}');
    return { k: 'type', prop: true };
  }

  private readU(s: number): Esc {
    const o = this.off(s);
    let p = this.i;
    let cp: number | undefined;
    if (this.c(p) === LBRACE) {
      let q = p + 1;
      let v = 0;
      while (isHex(this.c(q))) v = v * 16 + hexVal(this.c(q++));
      if (this.c(q) === RBRACE && q > p + 1) {
        cp = v;
        p = q + 1;
      }
    } else if ([0, 1, 2, 3].every((k) => isHex(this.c(p + k)))) {
      cp = [0, 1, 2, 3].reduce((acc, k) => acc * 16 + hexVal(this.c(p + k)), 0);
      p += 4;
    }
    this.i = p;
    const hint =
      cp === undefined
        ? 'write u without the backslash for a literal u'
        : cp <= 0xff
          ? `write \\x${cp.toString(16).padStart(2, '0')} instead`
          : `U+${cp.toString(16).toUpperCase().padStart(4, '0')} cannot be matched as one character without Unicode ` +
            'support; write its UTF-8 bytes as \\xHH escapes';
    this.error(
      s,
      `'${this.text(s, p)}' at offset ${o} is JavaScript syntax: PCRE does not support \\u and rejects the pattern; ${hint}`,
      'pattern_js_only',
    );
    return { k: 'bad' };
  }

  /** \g outside a class: \gN, \g{N}, \g{-N}, \g{name} (back references) or \g<...>, \g'...' (calls). */
  private readG(s: number): Esc {
    const o = this.off(s);
    const x = this.c(this.i);
    const malformed = (): never =>
      this.fatal(
        s,
        `'\\g' at offset ${o} must be followed by a group number, {number}, {name}, <name> or 'name', e.g. \\g{1}`,
      );
    if (x === LT || x === APOS) {
      const term = x === LT ? GT : APOS;
      const cf = this.c(this.i + 1);
      if (cf !== PLUS && cf !== MINUS && !isDigit(cf)) {
        this.i++;
        const name = this.readName(term, 'reference');
        this.only('subroutine call / recursion');
        this.namedCallSize();
        return { k: 'call', node: this.callNode(s, undefined, name) };
      }
      let p = this.i + 2;
      while (isDigit(this.c(p))) p++;
      if (this.c(p) !== term) malformed();
      const sign = cf === PLUS || cf === MINUS ? cf : 0;
      const ds = sign ? this.i + 2 : this.i + 1;
      if (ds >= p) malformed();
      const n = this.readInt(ds);
      this.i = p + 1;
      if (n.overflow) {
        this.error(s, `number is too big in '${this.text(s, this.i)}' at offset ${o}`);
        return { k: 'bad' };
      }
      const node = this.numericCall(s, sign, n.value);
      return node ? { k: 'call', node } : { k: 'bad' };
    }
    let braced = false;
    if (x === LBRACE) {
      let p = this.i + 1;
      while (this.c(p) !== -1 && this.c(p) !== RBRACE && (this.c(p) === MINUS || isDigit(this.c(p)))) p++;
      if (this.c(p) !== -1 && this.c(p) !== RBRACE) {
        this.i++;
        const name = this.readName(RBRACE, 'reference');
        this.only('\\g{name} back reference');
        return { k: 'kref', name };
      }
      braced = true;
      this.i++;
    }
    let neg = false;
    if (this.c(this.i) === MINUS) {
      neg = true;
      this.i++;
    }
    const n = this.readInt(this.i);
    this.i = n.end;
    if (n.overflow) {
      if (braced && this.c(this.i) === RBRACE) this.i++;
      this.error(s, `number is too big in '${this.text(s, this.i)}' at offset ${o}`);
      return { k: 'bad' };
    }
    if (braced) {
      if (this.c(this.i) !== RBRACE) malformed();
      this.i++;
    }
    let num = n.value;
    if (num === 0) {
      this.error(s, `'${this.text(s, this.i)}' at offset ${o}: a numbered reference must not be zero`);
      return { k: 'bad' };
    }
    if (neg) {
      if (num > this.groupCount) {
        this.error(
          s,
          `'${this.text(s, this.i)}' at offset ${o} refers ${num} groups back, but only ${plural(this.groupCount, 'group')} ` +
            'came before it',
        );
        return { k: 'bad' };
      }
      num = this.groupCount - num + 1;
    }
    this.only('\\g back reference');
    return { k: 'ref', n: num };
  }

  private readK(s: number): Esc {
    const x = this.c(this.i);
    const term = x === LT ? GT : x === APOS ? APOS : x === LBRACE ? RBRACE : -1;
    if (term === -1) {
      this.error(
        s,
        `'\\k' at offset ${this.off(s)} must be followed by a group name in <...>, '...' or {...}, e.g. \\k<area>`,
      );
      return { k: 'bad' };
    }
    this.i++;
    const name = this.readName(term, 'reference');
    if (x !== LT)
      this.only(`named back reference \\k${String.fromCharCode(x)}name${String.fromCharCode(term)}`);
    return { k: 'kref', name };
  }

  // ---- names

  /**
   * A group name followed by term; this.i is at its first character; moves past term. PCRE
   * reads the name's bytes with Erlang's Latin-1 tables (letters, digits, underscore, and the
   * Latin-1 letters). A group may be defined with an empty name by (?P<>...) or (?''...); a
   * reference needs one.
   */
  private readName(term: number, use: 'definition' | 'reference'): string {
    const ns = this.i;
    if (isDigit(this.c(ns)))
      this.fatal(ns, `group name at offset ${this.off(ns)} must start with a letter or '_', not a digit`);
    while (this.isNameUnit(this.i)) this.i++;
    const len = this.i - ns;
    if (len === 0 && use === 'reference' && this.c(this.i) === term)
      this.fatal(ns, `a group name was expected at offset ${this.off(ns)}`);
    if (this.c(this.i) !== term) {
      let t = this.i;
      while (this.c(t) !== -1 && this.c(t) !== term) t++;
      const candidate = this.text(ns, t);
      if (this.c(t) === term && JS_IDENTIFIER.test(candidate))
        this.fatal(
          ns,
          `group name '${candidate}' at offset ${this.off(ns)} is valid in JavaScript but not in PCRE: ` +
            'names may only use letters, digits and underscore (each byte of a non-ASCII letter must be a ' +
            'Latin-1 letter)',
          'pattern_js_only',
        );
      if (len === 0) this.fatal(ns, `a group name was expected at offset ${this.off(ns)}`);
      this.fatal(
        this.i,
        `syntax error in group name at offset ${this.off(this.i)}: names may only use ASCII letters, digits and ` +
          `underscore, and must end with '${String.fromCharCode(term)}'`,
      );
    }
    const name = this.text(ns, this.i);
    if (this.nameBytes(ns, this.i) > 32)
      this.fatal(
        ns,
        `group name '${name}' at offset ${this.off(ns)} is too long (PCRE allows at most 32 characters)`,
      );
    this.i++;
    return name;
  }

  private nameBytes(a: number, b: number): number {
    let n = 0;
    for (let k = a; k < b; k++) n += this.utf ? utf8Length(this.c(k)) : 1;
    return n;
  }

  /** (?<name>, (?'name', (?P<name>: this.i at the name. Returns the capture group. */
  private defineNamedGroup(s: number, term: number): GroupNode {
    const ns = this.i;
    const name = this.readName(term, 'definition');
    const num = this.groupCount + 1;
    let same = false;
    for (const n of this.names) {
      if (n.name === name) {
        if (n.num === num) {
          same = true;
          continue;
        }
        if (!this.opts.dupnames)
          this.fatal(
            ns,
            `two groups are named '${name}' (offsets ${this.off(n.at)} and ${this.off(ns)}): PCRE needs unique names ` +
              '(or (?J) at the start)',
          );
      } else if (n.num === num)
        this.fatal(
          ns,
          `groups of the same number must have the same name: '${n.name}' and '${name}' (in (?|...))`,
        );
    }
    if (!same && ++this.nameEntries > MAX_NAME_COUNT)
      this.fatal(ns, `too many named groups: PCRE allows at most ${MAX_NAME_COUNT}`);
    this.names.push({ name, num, at: ns });
    return this.newCapture(s);
  }

  private newCapture(s: number): GroupNode {
    const num = ++this.groupCount;
    const g: GroupNode = {
      t: 'group',
      at: s,
      kind: 'capture',
      num,
      alts: [],
      closed: false,
      len: 0,
      skip: 2,
    };
    if (!this.groupsByNum.has(num)) this.groupsByNum.set(num, g);
    return g;
  }

  // ---- calls (subroutines and recursion)

  private callNode(s: number, num: number | undefined, name: string | undefined): Node {
    const node: Node = { t: 'call', at: s, end: this.i, num, name };
    if (name !== undefined) this.nameRefs.push({ name, at: s, end: this.i });
    else if (num !== undefined) this.numRefs.push({ num, at: s, end: this.i, call: true });
    const target = num ?? this.names.find((n) => n.name === name)?.num;
    if (target !== undefined) this.checkLeftRecursion(target, s);
    return node;
  }

  private numericCall(s: number, sign: number, n: number): Node | null {
    let num = n;
    if (sign !== 0 && num === 0) {
      this.error(
        s,
        `'${this.text(s, this.i)}' at offset ${this.off(s)}: a relative reference must not be zero`,
      );
      return null;
    }
    if (sign === MINUS) {
      num = this.groupCount - num + 1;
      if (num <= 0) {
        this.error(
          s,
          `'${this.text(s, this.i)}' at offset ${this.off(s)} refers ${n} groups back, but only ` +
            `${plural(this.groupCount, 'group')} came before it`,
        );
        return null;
      }
    } else if (sign === PLUS) num += this.groupCount;
    this.only('subroutine call / recursion');
    return this.callNode(s, num, undefined);
  }

  /** PCRE refuses a call to a group that is still open if it can be reached without consuming anything. */
  private checkLeftRecursion(target: number, s: number): void {
    if (this.stack.some((g) => g.kind === 'cond')) return;
    const idx = target === 0 ? 0 : this.stack.findIndex((g) => g.kind === 'capture' && g.num === target);
    if (idx < 0) return;
    for (let k = this.stack.length - 1; k >= idx; k--) {
      const g = this.stack[k];
      const alt = g?.alts[g.alts.length - 1] ?? [];
      if (this.minSeq(alt, new Set()) > 0) return;
    }
    this.error(
      s,
      `recursive call '${this.text(s, this.i)}' at offset ${this.off(s)} could loop indefinitely: it can be reached ` +
        'again without matching any character',
    );
  }

  private resolveCall(n: { num?: number; name?: string }): GroupNode | undefined {
    const num = n.num ?? this.names.find((x) => x.name === n.name)?.num;
    if (num === undefined) return undefined;
    return num === 0 ? this.root : this.groupsByNum.get(num);
  }

  private minSeq(nodes: readonly Node[], seen: Set<GroupNode>): number {
    return nodes.reduce((sum, n) => sum + this.minNode(n, seen), 0);
  }

  private minNode(n: Node, seen: Set<GroupNode>): number {
    if (n.t === 'one' || n.t === 'var') return 1;
    if (n.t === 'zero' || n.t === 'backref') return 0;
    if (n.t === 'repeat') return n.min === 0 ? 0 : n.min * this.minNode(n.child, seen);
    if (n.t === 'call') {
      const g = this.resolveCall(n);
      if (!g || !g.closed || seen.has(g)) return 0;
      return this.minGroup(g, new Set([...seen, g]));
    }
    return this.minGroup(n, seen);
  }

  private minGroup(g: GroupNode, seen: Set<GroupNode>): number {
    if (g.kind === 'lookahead' || g.kind === 'lookbehind') return 0;
    if (g.kind === 'cond' && g.alts.length < 2) return 0;
    return Math.min(...g.alts.map((a) => this.minSeq(a, seen)));
  }

  // ---- character classes

  /** Checks [:name:] style syntax at k (a '['); returns the index of the closing ':' (or . =), or -1. */
  private posixEnd(k: number): number {
    const term = this.c(k + 1);
    if (term !== COLON && term !== DOT && term !== EQUALS) return -1;
    for (let p = k + 2; this.c(p) !== -1; p++) {
      if (this.c(p) === BS && (this.c(p + 1) === RBRACKET || this.c(p + 1) === BS)) p++;
      else if ((this.c(p) === LBRACKET && this.c(p + 1) === term) || this.c(p) === RBRACKET) return -1;
      else if (this.c(p) === term && this.c(p + 1) === RBRACKET) return p;
    }
    return -1;
  }

  private parseClass(): Atom {
    const s = this.i;
    const o = this.off(s);
    const rest = this.text(s + 1, s + 7);
    if (rest === '[:<:]]' || rest === '[:>:]]') {
      // PCRE substitutes \b(?=\w) and \b(?<=\w).
      this.i += 7;
      this.only('POSIX word boundary [[:<:]] / [[:>:]]');
      const n = rest === '[:<:]]' ? 1 + 7 : 1 + 10;
      return {
        node: { t: 'zero', at: s },
        repeatable: true,
        size: { k: 'group', n, assert: true, cond: false },
      };
    }
    const pe = this.posixEnd(s);
    if (pe >= 0) {
      const t = this.text(s, pe + 2);
      if (this.c(s + 1) === COLON)
        this.fatal(s, `POSIX class '${t}' at offset ${o} only works inside a character class: write [${t}]`);
      this.fatal(s, `POSIX collating element '${t}' at offset ${o} is not supported`);
    }
    this.i++;
    let negate = false;
    for (;;) {
      if (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) this.i += 2;
      else if (this.text(this.i, this.i + 4) === '\\Q\\E') this.i += 4;
      else if (!negate && this.c(this.i) === CARET) {
        negate = true;
        this.i++;
      } else break;
    }
    const firstIsBracket = this.c(this.i) === RBRACKET;
    // What PCRE tracks to size the class: single-character optimisation, bitmap, extra data.
    let oneChar = 0;
    let has8 = 0;
    let hasProp = false;
    let data = 0;
    let flip = false;
    let single: number | undefined;
    const addRange = (lo: number, hi: number): void => {
      if (lo < 256) has8 += Math.min(hi, 255) - lo + 1;
      if (this.utf && hi > 255) {
        const a = Math.max(lo, 256);
        data += a === hi ? 1 + utf8Length(a) : 1 + utf8Length(a) + utf8Length(hi);
      }
    };
    const addList = (list: [number, number][]): void => {
      for (const [a, b] of list) addRange(a, b);
    };
    const prop = (): void => {
      data += 3;
      hasProp = true;
    };
    let inQ = false;
    let first = true;
    for (;;) {
      const ch = this.c(this.i);
      if (ch === -1) {
        if (firstIsBracket) {
          const t = negate ? '[^]' : '[]';
          this.fatal(
            s,
            `'${t}' at offset ${o} is JavaScript syntax (${negate ? 'any character' : 'an empty class'}): in PCRE a ']' ` +
              `right after '${negate ? '[^' : '['}' is a literal ']', so this class is never closed; ` +
              (negate ? 'write [\\s\\S] for any character' : 'write (?!) for a class that matches nothing'),
            'pattern_js_only',
          );
        }
        this.fatal(
          s,
          `missing terminating ']' for the character class at offset ${o}: add ']', or write \\[ for a literal '['`,
        );
      }
      if (!first && !inQ && ch === RBRACKET) break;
      first = false;
      let lo: number;
      const loAt = this.i;
      if (inQ) {
        if (ch === BS && this.c(this.i + 1) === CH_E) {
          inQ = false;
          this.i += 2;
          continue;
        }
        lo = ch;
        this.i++;
      } else if (ch === LBRACKET && this.posixEnd(this.i) >= 0) {
        const end = this.posixEnd(this.i);
        const t = this.text(this.i, end + 2);
        if (this.c(this.i + 1) !== COLON)
          this.fatal(this.i, `POSIX collating element '${t}' at offset ${this.off(this.i)} is not supported`);
        const neg = this.c(this.i + 2) === CARET;
        const name = this.text(this.i + (neg ? 3 : 2), end);
        if (!POSIX_NAMES.has(name))
          this.fatal(
            this.i,
            `unknown POSIX class name '${t}' at offset ${this.off(this.i)}: use one of ${[...POSIX_NAMES].join(', ')}`,
          );
        this.only('POSIX class [:name:]');
        if (neg) flip = true;
        if (this.ucp && !['ascii', 'cntrl', 'xdigit'].includes(name)) prop();
        else has8 = Math.max(has8, 1);
        oneChar = 2;
        this.i = end + 2;
        continue;
      } else if (ch === BS) {
        const e = this.readEscape('class');
        if (e.k === 'Q') {
          if (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) this.i += 2;
          else inQ = true;
          this.only('quoting \\Q...\\E');
          continue;
        }
        if (e.k === 'E') continue;
        if (e.k === 'type') {
          oneChar += 2;
          const letter = String.fromCharCode(this.c(loAt + 1));
          if (e.prop) prop();
          else if (e.list) {
            has8++;
            addList(
              e.list === 'h'
                ? HSPACE
                : e.list === 'v'
                  ? VSPACE
                  : e.list === 'H'
                    ? complement(HSPACE)
                    : complement(VSPACE),
            );
          } else if (this.ucp) {
            oneChar += 2;
            prop();
          } else {
            has8++;
            if ('DSW'.includes(letter)) flip = true;
          }
          continue;
        }
        if (e.k !== 'char') continue; // reported
        lo = e.v;
      } else {
        this.noteNonAscii(this.i);
        lo = ch;
        this.i++;
      }
      // Possible range.
      while (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) {
        inQ = false;
        this.i += 2;
      }
      if (!inQ && this.c(this.i) === MINUS) {
        const dashAt = this.i;
        let j = this.i + 1;
        while (this.c(j) === BS && this.c(j + 1) === CH_E) j += 2;
        let quoted = false;
        while (this.c(j) === BS && this.c(j + 1) === CH_Q) {
          j += 2;
          if (this.c(j) === BS && this.c(j + 1) === CH_E) {
            j += 2;
            continue;
          }
          quoted = true;
          break;
        }
        if (this.c(j) !== -1 && (quoted || this.c(j) !== RBRACKET)) {
          let hi: number;
          if (quoted) {
            hi = this.c(j);
            this.i = j + 1;
            inQ = true;
            this.only('quoting \\Q...\\E');
          } else if (this.c(j) === BS) {
            this.i = j;
            const e = this.readEscape('rangeEnd');
            if (e.k === 'special') {
              this.fatal(
                loAt,
                `invalid range '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}: '${this.text(j, this.i)}' ` +
                  `cannot end a range; put '-' last or escape it (\\-) if you mean a literal hyphen`,
              );
            }
            if (e.k !== 'char') continue;
            hi = e.v;
          } else if (this.c(j) === LBRACKET && this.posixEnd(j) >= 0) {
            this.i = this.posixEnd(j) + 2;
            this.fatal(
              j,
              `invalid range '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}: a POSIX class cannot end a ` +
                `range; put '-' last or escape it (\\-)`,
            );
          } else {
            hi = this.c(j);
            this.noteNonAscii(j);
            this.i = j + 1;
          }
          if (hi < lo) {
            this.fatal(
              loAt,
              `range out of order in character class: '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}; ` +
                `write '${this.text(j, this.i)}-${this.text(loAt, dashAt)}' (lowest first)`,
            );
          }
          if (hi !== lo) {
            oneChar = 2;
            addRange(lo, hi);
            continue;
          }
        }
      }
      // A single character.
      if (oneChar < 2) oneChar++;
      if (!inQ && !hasProp && oneChar === 1 && this.c(this.i) === RBRACKET) {
        single = lo;
        break;
      }
      addRange(lo, lo);
    }
    this.i++;
    if (firstIsBracket)
      this.warn(
        s,
        `in PCRE the ']' right after '${negate ? '[^' : '['}' at offset ${o} is a literal ']', not the end of the ` +
          `class (JavaScript reads '${negate ? '[^]' : '[]'}' as ${negate ? 'any character' : 'an empty class'}); ` +
          `write \\] to make the intent clear`,
        'pattern_js_only',
      );
    let size: Size;
    if (single !== undefined) size = this.charSize(single);
    else if (data > 0 && (hasProp || !flip || this.ucp))
      size = {
        k: 'cr',
        n: 4 + (has8 > 0 ? 32 : 0) + data + 1 + (this.utf && flip && !negate && !this.ucp ? 7 : 0),
      };
    else size = { k: 'cr', n: 33 + data };
    return { node: { t: 'one', at: s }, repeatable: true, size };
  }

  // ---- parentheses

  private static newGroup(s: number, kind: GroupKind, skip = 0): GroupNode {
    return { t: 'group', at: s, kind, num: 0, alts: [], closed: false, len: 0, skip };
  }

  private parseParen(): Atom | Open | null {
    const s = this.i;
    const o = this.off(s);
    const c1 = this.c(s + 1);
    const c2 = this.c(s + 2);

    if (c1 === QMARK && c2 === HASH) {
      let p = s + 3;
      while (this.c(p) !== -1 && this.c(p) !== RPAREN) p++;
      if (this.c(p) === -1) this.fatal(s, `the comment '(?#' at offset ${o} is never closed: add ')'`);
      this.i = p + 1;
      this.only('comment (?#...)');
      return null;
    }

    if (c1 === STAR && (c2 === COLON || isLetter(c2))) return this.parseVerb(s);

    if (c1 !== QMARK) {
      this.i = s + 1;
      return { at: s, open: this.newCapture(s) };
    }

    switch (c2) {
      case PIPE:
        this.only('branch reset group (?|...)');
        this.dupgroups = true;
        this.i = s + 3;
        return { at: s, open: Parser.newGroup(s, 'reset') };
      case COLON:
        this.i = s + 3;
        return { at: s, open: Parser.newGroup(s, 'noncap') };
      case LPAREN:
        return this.parseConditional(s);
      case EQUALS:
        this.i = s + 3;
        return { at: s, open: Parser.newGroup(s, 'lookahead') };
      case BANG: {
        // A bare (?!) is compiled as (*FAIL) unless a quantifier follows it at once.
        const q = this.c(s + 4);
        if (
          this.c(s + 3) === RPAREN &&
          q !== STAR &&
          q !== PLUS &&
          q !== QMARK &&
          !(q === LBRACE && this.isCountedRepeat(s + 5))
        ) {
          this.i = s + 4;
          this.pendingCondAssert = false;
          return {
            node: { ...Parser.newGroup(s, 'lookahead'), alts: [[]], closed: true, end: this.i },
            repeatable: false,
            why: "follows '(?!)', which PCRE compiles as (*FAIL) and cannot repeat",
            size: { k: 'fixed', n: 1 },
          };
        }
        this.i = s + 3;
        return { at: s, open: Parser.newGroup(s, 'lookahead') };
      }
      case GT:
        this.only('atomic group (?>...)');
        this.i = s + 3;
        return { at: s, open: Parser.newGroup(s, 'atomic') };
      case LT: {
        const c3 = this.c(s + 3);
        if (c3 === EQUALS || c3 === BANG) {
          this.i = s + 4;
          return { at: s, open: Parser.newGroup(s, 'lookbehind') };
        }
        if (!isWordByte(this.leadByte(s + 3))) {
          let t = s + 3;
          while (this.c(t) !== -1 && this.c(t) !== GT && t < s + 40) t++;
          if (this.c(t) === GT && JS_IDENTIFIER.test(this.text(s + 3, t)))
            this.fatal(
              s + 3,
              `group name '${this.text(s + 3, t)}' at offset ${this.off(s + 3)} is valid in JavaScript but not in ` +
                'PCRE: names may only use letters, digits and underscore',
              'pattern_js_only',
            );
          this.fatal(
            s,
            `'(?<' at offset ${o} must be followed by '=', '!' or a group name (letters, digits, underscore)`,
          );
        }
        this.i = s + 3;
        return { at: s, open: this.defineNamedGroup(s, GT) };
      }
      case APOS:
        this.i = s + 3;
        this.only("named group (?'name'...)");
        return { at: s, open: this.defineNamedGroup(s, APOS) };
      case 0x50 /* P */: {
        const c3 = this.c(s + 3);
        if (c3 === LT) {
          this.i = s + 4;
          this.only('named group (?P<name>...)');
          return { at: s, open: this.defineNamedGroup(s, GT) };
        }
        if (c3 === EQUALS || c3 === GT) {
          this.i = s + 4;
          const name = this.readName(RPAREN, 'reference');
          if (c3 === EQUALS) {
            this.only('named back reference (?P=name)');
            return this.namedRef(s, name);
          }
          this.only('subroutine call / recursion');
          this.namedCallSize();
          return { node: this.callNode(s, undefined, name), repeatable: true, size: { k: 'recurse' } };
        }
        return this.fatal(
          s,
          `unrecognized character after '(?P' at offset ${o}: write (?P<name>...), (?P=name) or (?P>name)`,
        );
      }
      case AMP: {
        this.i = s + 3;
        const name = this.readName(RPAREN, 'reference');
        this.only('subroutine call / recursion');
        this.namedCallSize();
        return { node: this.callNode(s, undefined, name), repeatable: true, size: { k: 'recurse' } };
      }
      case 0x52 /* R */:
        if (this.c(s + 3) !== RPAREN) this.fatal(s, `'(?R' at offset ${o} must be followed by ')'`);
        this.i = s + 4;
        this.only('subroutine call / recursion');
        return { node: this.callNode(s, 0, undefined), repeatable: true, size: { k: 'recurse' } };
      case 0x43 /* C */: {
        let p = s + 3;
        let n = 0;
        while (isDigit(this.c(p))) n = n * 10 + this.c(p++) - 0x30;
        if (this.c(p) !== RPAREN)
          this.fatal(s, `the callout '(?C' at offset ${o} must be (?C) or (?Cn) with a number n`);
        this.i = p + 1;
        if (n > 255)
          this.fatal(s, `callout number in '${this.text(s, this.i)}' at offset ${o} is greater than 255`);
        this.only('callout (?C)');
        return {
          node: { t: 'zero', at: s },
          repeatable: false,
          why: `follows the callout '${this.text(s, this.i)}'`,
          size: { k: 'fixed', n: 6 },
        };
      }
      default:
        break;
    }

    if (c2 === PLUS || isDigit(c2) || (c2 === MINUS && isDigit(this.c(s + 3)))) {
      let p = s + 2;
      const sign = c2 === PLUS || c2 === MINUS ? c2 : 0;
      if (sign) p++;
      if (sign === PLUS && !isDigit(this.c(p)))
        this.fatal(s, `'(?+' at offset ${o} must be followed by a group number`);
      const n = this.readInt(p);
      if (n.overflow) this.fatal(s, `number is too big in '${this.text(s, n.end)}' at offset ${o}`);
      p = n.end;
      if (this.c(p) !== RPAREN)
        this.fatal(
          s,
          `'${this.text(s, p + 1)}' at offset ${o}: a group call like (?1) or (?-1) must end with ')'`,
        );
      this.i = p + 1;
      const node = this.numericCall(s, sign, n.value);
      return node ? { node, repeatable: true, size: { k: 'recurse' } } : null;
    }

    // Option letters: (?imsxJUX-imsxJUX) or (?...:...).
    const next: Opts = { ...this.opts };
    let unset = false;
    let p = s + 2;
    while (this.c(p) !== RPAREN && this.c(p) !== COLON) {
      const ch = this.c(p);
      if (ch === MINUS) unset = true;
      else if (ch === 0x78 /* x */) next.x = !unset;
      else if (ch === 0x58 /* X */) next.extra = !unset;
      else if (ch === 0x4a /* J */) next.dupnames = !unset;
      else if (ch === 0x69 /* i */) next.i = !unset;
      else if (ch === 0x6d || ch === 0x73 || ch === 0x55) {
        /* m s U: no effect on syntax */
      } else if (ch === -1)
        this.fatal(s, `'(?' at offset ${o} is never completed: write (?:...) or an option like (?i)`);
      else
        this.fatal(
          s,
          `unknown group syntax '${this.text(s, p + 1)}' at offset ${o}: after '(?' PCRE expects ':', '=', '!', ` +
            `'<=', '<!', '>', '|', '<name>', a condition '(', or option letters (imsxJUX)`,
        );
      p++;
    }
    const letters = this.text(s + 2, p);
    if (this.c(p) === RPAREN) {
      this.i = p + 1;
      this.opts = next;
      this.only(`inline option (?${letters})`);
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the option setting '(?${letters})', which cannot be repeated`,
        size: { k: 'fixed', n: 0 },
      };
    }
    this.only(`inline option (?${letters}:...)`);
    this.i = p + 1;
    return { at: s, open: Parser.newGroup(s, 'noncap'), opts: next };
  }

  private parseVerb(s: number): Atom {
    const o = this.off(s);
    let p = s + 2;
    while (isLetter(this.c(p))) p++;
    const name = this.text(s + 2, p);
    let arg: string | undefined;
    let argBytes = 0;
    if (this.c(p) === COLON) {
      const as = ++p;
      while (this.c(p) !== -1 && this.c(p) !== RPAREN) p++;
      arg = this.text(as, p);
      argBytes = this.nameBytes(as, p);
    }
    if (this.c(p) !== RPAREN) {
      let q = p;
      while (this.c(q) !== -1 && this.c(q) !== RPAREN) q++;
      if (this.c(q) === RPAREN && startSetting(this.text(s, q + 1)) !== undefined)
        this.fatal(
          s,
          `'${this.text(s, q + 1)}' at offset ${o} is only allowed at the very start of the pattern`,
        );
      this.fatal(
        s,
        `'${this.text(s, p)}' at offset ${o}: a (*VERB) must end with ')'; write \\(\\* for a literal '(*'`,
      );
    }
    this.i = p + 1;
    const t = this.text(s, this.i);
    if (argBytes > MAX_MARK) this.fatal(s, `the name in '${t}' at offset ${o} is too long (at most 255)`);
    const known: Record<string, 'none' | 'opt' | 'need'> = {
      '': 'need',
      MARK: 'need',
      ACCEPT: 'none',
      COMMIT: 'none',
      F: 'none',
      FAIL: 'none',
      PRUNE: 'opt',
      SKIP: 'opt',
      THEN: 'opt',
    };
    const rule = Object.prototype.hasOwnProperty.call(known, name) ? known[name] : undefined;
    if (rule === undefined) {
      this.fatal(
        s,
        startSetting(t) !== undefined
          ? `'${t}' at offset ${o} is only allowed at the very start of the pattern`
          : `unknown (*VERB) '${t}' at offset ${o}: PCRE knows (*ACCEPT), (*FAIL), (*COMMIT), (*PRUNE), (*SKIP), (*THEN) and (*MARK:name)`,
      );
    } else if (rule === 'none' && arg !== undefined && arg !== '')
      this.fatal(s, `'${t}' at offset ${o}: (*ACCEPT), (*FAIL) and (*COMMIT) take no argument`);
    else if (rule === 'need' && !arg)
      this.fatal(s, `'${t}' at offset ${o}: (*MARK) needs a name, e.g. (*MARK:here)`);
    this.only('backtracking verb (*...)');
    if (name === 'ACCEPT') this.current().len += 3 * this.stack.filter((g) => g.kind === 'capture').length;
    return {
      node: { t: 'zero', at: s },
      repeatable: false,
      why: `follows '${t}', which cannot be repeated`,
      size: { k: 'fixed', n: arg ? 3 + argBytes : 1 },
    };
  }

  private parseConditional(s: number): Open {
    const o = this.off(s);
    this.only('conditional group (?(...)...)');
    // (?(?C1)(?=...)...) : a callout may precede an assertion condition.
    let t = s + 2;
    if (this.c(t + 1) === QMARK && this.c(t + 2) === 0x43) {
      let k = t + 3;
      while (isDigit(this.c(k))) k++;
      if (this.c(k) === RPAREN) t = k + 1;
      if (this.c(t) !== LPAREN)
        this.fatal(s, `a callout in the condition of '(?(' at offset ${o} must be followed by an assertion`);
    }
    if (
      this.c(t + 1) === QMARK &&
      (this.c(t + 2) === EQUALS ||
        this.c(t + 2) === BANG ||
        (this.c(t + 2) === LT && (this.c(t + 3) === EQUALS || this.c(t + 3) === BANG)))
    ) {
      this.i = s + 2;
      this.pendingCondAssert = true;
      return { at: s, open: Parser.newGroup(s, 'cond') };
    }
    let k = s + 3;
    let term = 0;
    let sign = -1; // -1: not a number
    let rrefName = false;
    if (this.c(k) === 0x52 && this.c(k + 1) === AMP) {
      rrefName = true;
      k += 2;
    } else if (this.c(k) === LT) {
      term = GT;
      k++;
    } else if (this.c(k) === APOS) {
      term = APOS;
      k++;
    } else if (this.c(k) === MINUS || this.c(k) === PLUS) sign = this.c(k++);
    else if (isDigit(this.c(k))) sign = 0;
    const ns = k;
    if (sign >= 0) {
      const n = this.readInt(k);
      if (n.overflow) this.fatal(s, `number is too big in the condition at offset ${o}`);
      k = n.end;
    } else {
      if (isDigit(this.c(k)))
        this.fatal(k, `group name at offset ${this.off(k)} must start with a letter or '_', not a digit`);
      if (!this.isNameUnit(k))
        this.fatal(
          s,
          `'(?(' at offset ${o} must be followed by a group number, <name>, 'name', R, DEFINE or an assertion ` +
            'such as (?=...)',
        );
      while (this.isNameUnit(k)) k++;
    }
    const ne = k;
    if ((term > 0 && this.c(k++) !== term) || this.c(k++) !== RPAREN)
      this.fatal(
        s,
        `malformed number or name after '(?(' at offset ${o}: write e.g. (?(1)yes|no) or (?(<name>)yes|no)`,
      );
    this.i = k;
    const g = Parser.newGroup(s, 'cond', sign >= 0 ? 3 : 5);
    if (sign >= 0) {
      let num = Number(this.text(ns, ne) || '0');
      if (num <= 0)
        this.error(s, `invalid condition '${this.text(s, k)}' at offset ${o}: groups are numbered from 1`);
      else {
        if (sign === MINUS) num = this.groupCount - num + 1;
        else if (sign === PLUS) num += this.groupCount;
        if (num <= 0)
          this.error(
            s,
            `condition '${this.text(s, k)}' at offset ${o} refers to a group before the first one`,
          );
        else this.numRefs.push({ num, at: s, end: k, call: false });
      }
    } else {
      g.cond = { name: this.text(ns, ne), terminated: term > 0 || rrefName, at: s, end: k, define: false };
    }
    return { at: s, open: g };
  }

  /** A group's alternatives up to its ')' (or the whole pattern for the root). */
  private parseGroup(s: number, g: GroupNode, opts?: Opts): Atom {
    const top = g.kind === 'root';
    const saved = this.opts;
    const savedBase = this.wsBase;
    const savedKept = this.wsKept;
    if (!top) {
      if (g.kind === 'lookahead' || g.kind === 'lookbehind') {
        if (this.pendingCondAssert) g.condAssert = true;
        this.pendingCondAssert = false;
      }
      if (g.kind === 'lookbehind') g.ancestors = [...this.stack];
      g.len = 6 + g.skip;
      this.wsBase = savedBase + savedKept + 3 + g.skip + (g.kind === 'lookbehind' ? 3 : 0);
      if (opts) this.opts = opts;
      this.stack.push(g);
    }
    const start = this.groupCount;
    let max = start;
    for (;;) {
      if (g.kind === 'reset') this.groupCount = start;
      if (g.alts.length > 0) g.len += 3; // OP_ALT
      if (g.kind === 'lookbehind') g.len += 3; // OP_REVERSE
      const alt: Node[] = [];
      g.alts.push(alt);
      this.wsKept = 0;
      this.parseSeq(alt, top, g);
      max = Math.max(max, this.groupCount);
      if (this.c(this.i) !== PIPE) break;
      this.i++;
    }
    this.groupCount = max;
    const size: Size = {
      k: 'group',
      n: g.len,
      assert: g.kind === 'lookahead' || g.kind === 'lookbehind',
      cond: g.kind === 'cond',
    };
    if (top) return { node: g, repeatable: false, size };
    this.stack.pop();
    this.opts = saved;
    this.wsBase = savedBase;
    this.wsKept = savedKept;
    if (this.c(this.i) !== RPAREN)
      this.fatal(
        s,
        `missing ')': the '(' at offset ${this.off(s)} is never closed; add ')' or write \\( for a literal '('`,
      );
    this.i++;
    g.closed = true;
    g.end = this.i;
    if (g.selfRef) size.n = g.len += 6;
    if (g.kind === 'lookbehind') this.lookbehinds.push(g);
    if (g.kind === 'cond') this.conds.push(g);
    if (g.condAssert)
      return {
        node: g,
        repeatable: false,
        why: 'follows the assertion that is the condition of a (?(...)) group',
        size,
      };
    return { node: g, repeatable: true, size };
  }

  // ---- checks that need the whole pattern

  private finish(): void {
    const total = this.groupCount;
    for (const r of this.numRefs) {
      if (r.num <= total) continue;
      const t = this.text(r.at, r.end);
      this.error(
        r.at,
        r.call
          ? `'${t}' at offset ${this.off(r.at)} calls group ${r.num}, but ${groupsPhrase(total)}`
          : `'${t}' at offset ${this.off(r.at)} refers to group ${r.num}, but ${groupsPhrase(total)} ` +
              '(PCRE: reference to non-existent subpattern)',
      );
    }
    const known = new Set(this.names.map((n) => n.name));
    for (const r of this.nameRefs) {
      if (!known.has(r.name))
        this.error(
          r.at,
          `'${this.text(r.at, r.end)}' at offset ${this.off(r.at)} refers to a group named '${r.name}', which the ` +
            'pattern does not define',
        );
    }
    for (const g of this.conds) {
      const c = g.cond;
      let define = false;
      if (c?.name !== undefined && !known.has(c.name)) {
        if (!c.terminated && /^R\d*$/.test(c.name)) this.only('recursion test (?(R)...)');
        else if (!c.terminated && c.name === 'DEFINE') define = c.define = true;
        else
          this.error(
            c.at,
            `condition '${this.text(c.at, c.end)}' at offset ${this.off(c.at)} names no group of the pattern: ` +
              'use an existing group name or number, R, or DEFINE',
          );
      }
      if (define && g.alts.length > 1)
        this.error(
          g.at,
          `the (?(DEFINE)...) group at offset ${this.off(g.at)} must not contain '|' at its top level`,
        );
      else if (g.alts.length > 2)
        this.error(
          g.at,
          `the conditional group at offset ${this.off(g.at)} has ${g.alts.length} alternatives: PCRE allows ` +
            'two, (?(cond)yes|no)',
        );
    }
    for (const lb of this.lookbehinds) {
      for (const alt of lb.alts) {
        const r = this.fixedSeq(alt, lb.ancestors ?? []);
        if (!isBad(r)) continue;
        this.error(
          lb.at,
          `lookbehind at offset ${this.off(lb.at)} is not fixed-length: ${r.why} at offset ${this.off(r.at)}. ` +
            'PCRE 8 (Erlang re) requires each top-level alternative of a lookbehind to match a fixed number of ' +
            'characters: (?<=ab|c) and (?<=a{3}) are fine, (?<=a+) and (?<=(a|bc)) are not',
        );
        break;
      }
    }
  }

  private fixedSeq(nodes: readonly Node[], stack: readonly GroupNode[]): number | Bad {
    let total = 0;
    for (const n of nodes) {
      const r = this.fixedNode(n, stack);
      if (isBad(r)) return r;
      total += r;
    }
    return total;
  }

  private fixedNode(n: Node, stack: readonly GroupNode[]): number | Bad {
    if (n.t === 'one') {
      if (n.anyByte && this.utf) return { at: n.at, why: '\\C is not allowed in a lookbehind in UTF mode' };
      return 1;
    }
    if (n.t === 'zero') return 0;
    if (n.t === 'var')
      return { at: n.at, why: `'${this.text(n.at, n.end)}' can match a variable number of characters` };
    if (n.t === 'backref')
      return {
        at: n.at,
        why: `the back reference '${this.text(n.at, n.end)}' can match any number of characters`,
      };
    if (n.t === 'call') {
      const g = this.resolveCall(n);
      if (!g) return 0; // reported elsewhere
      if (stack.includes(g))
        return { at: n.at, why: `the recursive call '${this.text(n.at, n.end)}' has no fixed length` };
      return this.fixedGroup(g, [...stack, g]);
    }
    if (n.t === 'group') {
      if (n.kind === 'lookahead' || n.kind === 'lookbehind') return 0;
      return this.fixedGroup(n, [...stack, n]);
    }
    const q = `the quantifier '${this.text(n.qAt, n.qEnd)}' repeats a variable number of times`;
    const c = n.child;
    if (c.t === 'one') return n.min === n.max ? n.min : { at: n.qAt, why: q };
    if (c.t === 'group' && (c.kind === 'lookahead' || c.kind === 'lookbehind'))
      return n.min > 0 ? 0 : { at: n.qAt, why: 'an optional assertion is not allowed' };
    if (c.t === 'group' || c.t === 'call') {
      if (n.max === 0)
        return { at: n.qAt, why: `a group repeated '${this.text(n.qAt, n.qEnd)}' is not allowed` };
      if (n.min !== n.max) return { at: n.qAt, why: q };
      const r = this.fixedNode(c, stack);
      return isBad(r) ? r : r * n.min;
    }
    return this.fixedNode(c, stack);
  }

  private fixedGroup(g: GroupNode, stack: readonly GroupNode[]): number | Bad {
    const lens: number[] = [];
    for (const alt of g.alts) {
      const r = this.fixedSeq(alt, stack);
      if (isBad(r)) return r;
      lens.push(r);
    }
    if (lens.some((l) => l !== lens[0]))
      return {
        at: g.at,
        why: `the alternatives of '${this.text(g.at, g.end ?? g.at)}' have different lengths (${lens.join(', ')})`,
      };
    return lens[0] ?? 0;
  }
}

// -------------------------------------------------------------------------------------------
// Delimiters, start-of-pattern settings, units, fallbacks

function lastUnescapedSlash(s: string): number {
  for (let p = s.length - 1; p > 0; p--) {
    if (s[p] !== '/') continue;
    let n = 0;
    while (p - 1 - n >= 0 && s[p - 1 - n] === '\\') n++;
    if (n % 2 === 0) return p;
  }
  return -1;
}

/**
 * KAZOO strips the first and the last '/' of the written pattern. A '\' just before the closing
 * slash is PCRE's business (a lone one at the end is an error, but \Q\ is fine), so it is only
 * reported with the parser's help (see analyzePattern).
 */
function splitDelimiters(written: string, issues: PatternIssue[]): { body: string; base: number } {
  const delim = (offset: number, message: string): void => {
    issues.push({ code: 'pattern_delimiters', severity: 'error', message, offset });
  };
  if (written.trim() === '') {
    delim(0, 'the pattern is empty: write it between slashes, e.g. /^([0-9]+)$/');
    return { body: '', base: 0 };
  }
  const lead = written.length - written.trimStart().length;
  const core = written.trim();
  if (core !== written && core.startsWith('/'))
    delim(
      lead > 0 ? 0 : lead + core.length,
      `the pattern has ${lead > 0 ? 'leading' : 'trailing'} whitespace: it must start with '/' and end with '/', ` +
        'with nothing around them',
    );
  if (!core.startsWith('/')) {
    const end =
      core.endsWith('/') && lastUnescapedSlash(core) === core.length - 1 ? core.length - 1 : core.length;
    const inner = core.slice(0, end);
    delim(lead, `the pattern must be written between slashes: write /${inner}/`);
    return { body: inner, base: lead };
  }
  if (core.length >= 2 && core.endsWith('/')) return { body: core.slice(1, -1), base: lead + 1 };
  const last = lastUnescapedSlash(core);
  const tail = last > 0 ? core.slice(last + 1) : '';
  if (last > 0 && /^[dgimsuvyx]+$/.test(tail)) {
    delim(
      lead + last + 1,
      `flags '${tail}' after the closing '/' are not supported: KAZOO compiles the pattern without flags; remove them` +
        (tail.includes('i')
          ? ', and for case-insensitive matching start the pattern with (?i), e.g. /(?i)abc/'
          : ''),
    );
    return { body: core.slice(1, last), base: lead + 1 };
  }
  delim(lead + core.length, "the pattern must end with an unescaped '/': write it as /.../");
  return { body: core.slice(1), base: lead + 1 };
}

const SIMPLE_SETTINGS = ['UTF8', 'UTF', 'UCP', 'NO_AUTO_POSSESS', 'NO_START_OPT'];
const NEWLINE_SETTINGS = ['CR', 'LF', 'CRLF', 'ANY', 'ANYCRLF', 'BSR_ANYCRLF', 'BSR_UNICODE'];

/** The start-of-pattern setting at the start of t, e.g. (*UTF8) or (*LIMIT_MATCH=10), as PCRE reads it. */
function startSetting(t: string): { text: string; name: string } | undefined {
  if (!t.startsWith('(*')) return undefined;
  for (const name of SIMPLE_SETTINGS) if (t.startsWith(`(*${name})`)) return { text: `(*${name})`, name };
  for (const name of ['LIMIT_MATCH', 'LIMIT_RECURSION']) {
    if (!t.startsWith(`(*${name}=`)) continue;
    let p = name.length + 3;
    let value = 0;
    // PCRE stops before a value that would overflow 32 bits, and then the setting is unknown.
    while (/[0-9]/.test(t[p] ?? '') && value <= 429496728) value = value * 10 + Number(t[p++]);
    return t[p] === ')' ? { text: t.slice(0, p + 1), name } : undefined;
  }
  for (const name of NEWLINE_SETTINGS) if (t.startsWith(`(*${name})`)) return { text: `(*${name})`, name };
  return undefined;
}

/** Leading (*UTF8), (*CR), (*LIMIT_MATCH=n)... settings, which only PCRE's outer compile reads. */
function startSettings(body: string): Settings {
  let start = 0;
  let utf = false;
  let ucp = false;
  let newline: Newline = 'lf';
  const found: string[] = [];
  for (;;) {
    const m = startSetting(body.slice(start));
    if (!m) break;
    if (m.name === 'UTF8' || m.name === 'UTF') utf = true;
    else if (m.name === 'UCP') ucp = true;
    else if (m.name === 'CR') newline = 'cr';
    else if (m.name === 'LF') newline = 'lf';
    else if (m.name === 'CRLF') newline = 'crlf';
    else if (m.name === 'ANYCRLF') newline = 'anycrlf';
    else if (m.name === 'ANY') newline = 'any';
    found.push(`start-of-pattern setting ${m.text}`);
    start += m.text.length;
  }
  return { start, utf, ucp, newline, found };
}

function toUnits(body: string, utf: boolean): { units: number[]; offs: number[] } {
  const units: number[] = [];
  const offs: number[] = [];
  for (let k = 0; k < body.length;) {
    const cp = body.codePointAt(k) ?? 0;
    if (utf || cp < 0x80) {
      units.push(cp);
      offs.push(k);
    } else {
      for (const b of utf8Bytes(cp)) {
        units.push(b);
        offs.push(k);
      }
    }
    k += cp > 0xffff ? 2 : 1;
  }
  offs.push(body.length);
  return { units, offs };
}

/** Capture groups of a pattern that could not be parsed to the end (like PCRE's find_parens). */
function roughGroupCount(body: string): number {
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const ch = body[i];
    if (ch === '\\') {
      if (body[i + 1] === 'Q') {
        const e = body.indexOf('\\E', i + 2);
        i = e < 0 ? body.length : e + 1;
      } else i++;
    } else if (ch === '[') {
      i++;
      if (body[i] === '^') i++;
      if (body[i] === ']') i++;
      while (i < body.length && body[i] !== ']') i += body[i] === '\\' ? 2 : 1;
    } else if (ch === '(') {
      const next = body[i + 1];
      if (next !== '?' && next !== '*') n++;
      else if (/^\(\?(?:<(?![=!])|'|P<)/.test(body.slice(i, i + 4))) n++;
    }
  }
  return n;
}

// -------------------------------------------------------------------------------------------
// Public API

/**
 * Analyses a pattern as written in the config (`/.../`): delimiters, PCRE (Erlang re) syntax
 * and limits, JavaScript-only syntax, capture-group count and the PCRE-only constructs it uses.
 */
export function analyzePattern(written: string): PatternAnalysis {
  const issues: PatternIssue[] = [];
  const { body, base } = splitDelimiters(written, issues);
  // Erlang hands PCRE a C string: it ends at the first NUL.
  const nul = body.indexOf('\0');
  const text = nul >= 0 ? body.slice(0, nul) : body;
  if (nul >= 0)
    issues.push({
      code: 'pattern_syntax',
      severity: 'error',
      message:
        `the pattern contains a NUL character at offset ${base + nul}: Erlang's re stops reading the pattern ` +
        'there, so everything after it would be silently ignored; write \\x00 to match a NUL byte',
      offset: base + nul,
    });
  const settings = startSettings(text);
  const { units, offs } = toUnits(text, settings.utf);
  const parser = new Parser(units, offs, text, base, settings);
  parser.parse();
  const lone = parser.issues.find((i) => i.message.startsWith("the pattern ends with a lone '\\'"));
  const core = written.trim();
  if (lone && nul < 0 && core.length >= 2 && core.endsWith('\\/')) {
    const at = written.length - (written.length - written.trimEnd().length) - 1;
    issues.push({
      code: 'pattern_delimiters',
      severity: 'error',
      message:
        `the closing '/' at offset ${at} is escaped by the '\\' before it: the pattern must end with an ` +
        "unescaped '/' (write \\\\/ if the pattern ends with a literal backslash)",
      offset: at,
    });
  }
  issues.push(...parser.issues);
  if (parser.length !== undefined && parser.length > MAX_LENGTH)
    issues.push({
      code: 'pattern_syntax',
      severity: 'error',
      message:
        `the pattern is too large for PCRE: it compiles to ${parser.length} bytes, over the limit of ${MAX_LENGTH} ` +
        '(Erlang reports "regular expression is too large"); a repeat count on a group copies the group that many ' +
        'times, e.g. (?:ab){30000}; use smaller counts or simpler groups',
    });
  return {
    body,
    groups: parser.aborted ? roughGroupCount(text) : parser.groupCount,
    pcreOnly: [...settings.found, ...parser.pcreOnly],
    compiledLength: parser.length,
    issues,
  };
}

/**
 * Checks a `replace` string against the pattern's capture groups.
 *
 * What kzops accepts, and what each form means:
 * - `$N` and `${N}`: group N, the form KAZOO's documentation uses (`"replace": "$1"`); `${N}` lets
 *   a digit follow (`${1}0`). Erlang's re:replace itself would copy `$1` literally, so this is
 *   KAZOO's own substitution; kzops checks that group N exists.
 * - `\N`, `\gN` and `\g{N}` (N a plain number): group N, as Erlang's re:replace reads them.
 * - `&`: the whole match with re:replace (warned: easy to write by accident); `\&` is a literal `&`.
 * - `\0`: a literal `0` with re:replace, not the whole match (warned).
 * - a backslash before any other character is that character (`\\` a backslash, `\$` a dollar);
 *   a lone `\` at the end is a backslash.
 * Refused: `\g{-N}`, `\g<N>`, `\g'N'`, `\g{name}` and any other `\g` that is not `\gN` or `\g{N}`
 * (re:replace raises an exception on them, so the number would not be rewritten), `${name}`,
 * and references to groups the pattern does not have (re:replace would insert nothing).
 * Digits are read greedily (`$12` is group 12), as re:replace does for `\12`.
 */
export function checkReplace(replace: string, groups: number): PatternIssue[] {
  const issues: PatternIssue[] = [];
  const ref = (at: number, text: string, digits: string, form: (n: number) => string): void => {
    if (Number(digits) <= groups) return;
    const first = Number(digits.charAt(0));
    let hint = '';
    if (digits.length > 1 && first >= 1 && first <= groups)
      hint = `; if you meant group ${first} followed by '${digits.slice(1)}', write ${form(first)}${digits.slice(1)}`;
    else if (groups === 0)
      hint = '; add a capture group to the pattern, e.g. /^([0-9]+)$/, or remove the reference';
    issues.push({
      code: 'replace_group',
      severity: 'error',
      message:
        `replace refers to ${text} but ` +
        (groups === 0
          ? 'the pattern has no capture groups'
          : `the pattern has ${plural(groups, 'capture group')}`) +
        hint,
      offset: at,
    });
  };
  const dollar = (n: number): string => `\${${n}}`;
  const backslash = (n: number): string => `\\g{${n}}`;
  for (let i = 0; i < replace.length;) {
    const ch = replace[i];
    const rest = replace.slice(i);
    let m: RegExpExecArray | null;
    if (ch === '$') {
      if ((m = /^\$(\d+)/.exec(rest))) {
        ref(i, m[0], m[1] ?? '', dollar);
        i += m[0].length;
      } else if ((m = /^\$\{(\d+)\}/.exec(rest))) {
        ref(i, m[0], m[1] ?? '', dollar);
        i += m[0].length;
      } else if ((m = /^\$\{([^}]*)\}/.exec(rest))) {
        issues.push({
          code: 'replace_group',
          severity: 'error',
          message: `replace uses '${m[0]}' at offset ${i}: only numbered references are supported, e.g. $1 or \${1}`,
          offset: i,
        });
        i += m[0].length;
      } else i++;
    } else if (ch === '\\') {
      if (
        (m = /^\\([1-9]\d*)/.exec(rest)) ||
        (m = /^\\g\{(\d+)\}/.exec(rest)) ||
        (m = /^\\g(\d+)/.exec(rest))
      ) {
        ref(i, m[0], m[1] ?? '', backslash);
        i += m[0].length;
      } else if (rest.startsWith('\\g') && rest.length > 2) {
        m = /^\\g(\{[^}]*\}?|<[^>]*>?|'[^']*'?|.)/.exec(rest);
        const t = m?.[0] ?? '\\g';
        issues.push({
          code: 'replace_group',
          severity: 'error',
          message:
            `replace uses '${t}' at offset ${i}, which Erlang's re:replace does not understand (it raises an ` +
            'exception, so the number is not rewritten): write \\gN or \\g{N} with the plain group number, or $N',
          offset: i,
        });
        i += t.length;
      } else {
        if (rest.startsWith('\\0'))
          issues.push({
            code: 'replace_group',
            severity: 'warning',
            message:
              `'\\0' at offset ${i}: with Erlang's re:replace it inserts a literal '0', not the whole match; ` +
              'write 0 for a zero, or & for the whole match',
            offset: i,
          });
        i += 2; // \\, \&, \0, \g at the end and any other escaped character
      }
    } else {
      if (ch === '&')
        issues.push({
          code: 'replace_group',
          severity: 'warning',
          message: `'&' at offset ${i}: with Erlang's re:replace '&' inserts the whole match; write \\& for a literal '&'`,
          offset: i,
        });
      i++;
    }
  }
  return issues;
}
