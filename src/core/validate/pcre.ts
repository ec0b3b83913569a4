/**
 * Offline check of KAZOO number-formatting regexes (`number_formatting.<dir>.to_number.pattern`
 * and its `replace`), so a bad pattern is caught before anything reaches the server.
 *
 * KAZOO compiles these with Erlang's `re`, which is PCRE: PCRE 8.x (8.33 in older Erlang/OTP
 * releases, 8.40-8.44 in later ones) until OTP 28 moved to PCRE2. KAZOO passes no options: no
 * flags, no Unicode mode. Where PCRE versions disagree we follow PCRE 8.4x and flag the
 * disagreement: an error when one version would refuse the pattern, a warning when they only
 * read it differently.
 *
 * A small hand-written tokenizer/parser that mirrors pcre_compile.c: it counts capture groups
 * and reports what PCRE would reject, with the offset in the pattern as written (the leading
 * '/' is offset 0). JavaScript's RegExp is only a last, conservative cross-check, because the
 * two dialects differ. Pure: no I/O.
 *
 * Not modelled (the server decides): match-time behaviour and limits; the compiled-size limit
 * ("regular expression is too large") and the named-group count limit; PCRE2-only relaxations
 * (e.g. bounded variable-length lookbehind in PCRE2 10.43+, which we still report); Unicode
 * script names (checked against JavaScript's list, which may know newer scripts than the
 * server); Erlang's Latin-1 character tables (names and (?x) spacing are taken as ASCII); a NUL
 * character inside the pattern; and how JavaScript and PCRE differ at match time beyond the
 * warnings below (e.g. `\c1`, or `\10` when group 10 comes after it).
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
const isWord = (c: number): boolean => isAlnum(c) || c === 0x5f;
/** PCRE's ctype_space: what extended mode (?x) skips. */
const isSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);
const hexVal = (c: number): number => (isDigit(c) ? c - 0x30 : (c | 0x20) - 0x61 + 10);

/** A JavaScript (non-unicode RegExp) spelling of one character, valid inside and outside classes. */
function jsChar(v: number): string {
  if (isAlnum(v)) return String.fromCharCode(v);
  if (v < 0x100) return '\\x' + v.toString(16).padStart(2, '0');
  if (v <= 0xffff) return '\\u' + v.toString(16).padStart(4, '0');
  const hi = 0xd800 + ((v - 0x10000) >> 10);
  const lo = 0xdc00 + ((v - 0x10000) & 0x3ff);
  return '\\u' + hi.toString(16) + '\\u' + lo.toString(16);
}

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

/** PCRE 8 property names that are not scripts (general categories and PCRE specials). */
const PROPERTY_NAMES = new Set(
  (
    'Any L& Xan Xps Xsp Xwd Xuc C Cc Cf Cn Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No ' +
    'P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs'
  ).split(' '),
);
/** Full script names of four letters or fewer (JavaScript also accepts 4-letter aliases, PCRE 8 does not). */
const SHORT_SCRIPTS = new Set([
  'Han',
  'Lao',
  'Nko',
  'Vai',
  'Yi',
  'Mro',
  'Ahom',
  'Cham',
  'Lisu',
  'Miao',
  'Modi',
  'Newa',
  'Thai',
]);

function isPropertyName(name: string): boolean {
  if (PROPERTY_NAMES.has(name)) return true;
  if (!/^[A-Z][A-Za-z_]*$/.test(name)) return false;
  if (name.length <= 4 && !SHORT_SCRIPTS.has(name)) return false;
  try {
    new RegExp(`\\p{Script=${name}}`, 'u');
    return true;
  } catch {
    return false;
  }
}

/** The settings PCRE accepts only at the very start of a pattern, e.g. (*UTF8). */
const START_SETTING =
  /^\(\*(UTF8|UTF|UCP|NO_AUTO_POSSESS|NO_START_OPT|CRLF|CR|LF|ANYCRLF|ANY|BSR_ANYCRLF|BSR_UNICODE|LIMIT_MATCH=\d+|LIMIT_RECURSION=\d+)\)/;

const JS_IDENTIFIER = /^[$_\p{ID_Start}][$\u200c\u200d\p{ID_Continue}]*$/u;

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
}

type Node =
  | { t: 'one'; at: number; anyByte?: boolean }
  | { t: 'var'; at: number; end: number }
  | { t: 'zero'; at: number }
  | { t: 'backref'; at: number; end: number }
  | { t: 'call'; at: number; end: number; num?: number; name?: string }
  | GroupNode
  | { t: 'repeat'; at: number; qAt: number; qEnd: number; min: number; max: number; child: Node };

interface Atom {
  node: Node;
  repeatable: boolean;
  /** Why a following quantifier has nothing to repeat (for the message). */
  why?: string;
}

type Esc =
  | { k: 'char'; v: number }
  | { k: 'type'; js: string; varLen?: boolean; anyByte?: boolean }
  | { k: 'assert'; js: string }
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
}

type Newline = 'lf' | 'cr' | 'crlf' | 'anycrlf' | 'any';

/** Thrown to stop at an error after which PCRE's reading of the rest is unknowable. */
class Stop extends Error {}

interface Bad {
  at: number;
  why: string;
}
const isBad = (v: number | Bad): v is Bad => typeof v !== 'number';

// -------------------------------------------------------------------------------------------
// The parser. It works on "units": the pattern's UTF-8 bytes (KAZOO compiles without Unicode
// support, so PCRE sees bytes), or its code points after a leading (*UTF8)/(*UTF).

class Parser {
  readonly issues: PatternIssue[] = [];
  readonly pcreOnly: string[] = [];
  js = '';
  groupCount = 0;
  aborted = false;

  private i: number;
  private opts: Opts = { x: false, extra: false, dupnames: false };
  private inQ = false;
  private pendingCondAssert = false;
  private warnedNonAscii = false;
  /** The text of the last quantifier, for the "nothing to repeat" message. */
  private lastQuant = '';
  private readonly names: { name: string; num: number; at: number }[] = [];
  private readonly numRefs: { num: number; at: number; end: number; call: boolean }[] = [];
  private readonly nameRefs: { name: string; at: number; end: number }[] = [];
  private readonly conds: GroupNode[] = [];
  private readonly lookbehinds: GroupNode[] = [];
  private readonly groupsByNum = new Map<number, GroupNode>();
  private readonly stack: GroupNode[] = [];
  private readonly root: GroupNode = { t: 'group', at: 0, kind: 'root', num: 0, alts: [], closed: false };

  constructor(
    private readonly u: readonly number[],
    private readonly offs: readonly number[],
    private readonly body: string,
    private readonly base: number,
    private readonly utf: boolean,
    private readonly newline: Newline,
    start: number,
  ) {
    this.i = start;
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
  private emit(s: string): void {
    this.js += s;
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
  private noteNonAscii(k: number): void {
    if (this.utf || this.warnedNonAscii || this.c(k) < 0x80) return;
    this.warnedNonAscii = true;
    const ch = this.body.slice(this.offs[k] ?? 0).codePointAt(0) ?? 0;
    const bytes = ch < 0x800 ? 2 : ch < 0x10000 ? 3 : 4;
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
          (this.newline === 'any' && ((ch >= 0x0a && ch <= 0x0d) || ch === 0x85))
        ) {
          this.i += ch === 0x0d && this.c(this.i + 1) === 0x0a && this.newline !== 'cr' ? 2 : 1;
          break;
        }
        this.i++;
      }
    }
  }

  // ---- entry

  parse(): void {
    try {
      this.stack.push(this.root);
      this.parseAlts(this.root, true);
      this.root.closed = true;
      this.finish();
    } catch (e) {
      if (!(e instanceof Stop)) throw e;
      this.aborted = true;
    }
  }

  private parseAlts(g: GroupNode, top: boolean): void {
    const start = this.groupCount;
    let max = start;
    for (;;) {
      if (g.kind === 'reset') this.groupCount = start;
      const alt: Node[] = [];
      g.alts.push(alt);
      this.parseSeq(alt, top);
      max = Math.max(max, this.groupCount);
      if (this.c(this.i) === PIPE) {
        this.emit('|');
        this.i++;
        continue;
      }
      break;
    }
    this.groupCount = max;
  }

  private parseSeq(alt: Node[], top: boolean): void {
    let prev = -1; // index in alt of the item a quantifier would repeat
    let why = 'has nothing before it to repeat';
    for (;;) {
      if (this.inQ) {
        if (this.c(this.i) === -1) return;
        if (this.c(this.i) === BS && this.c(this.i + 1) === CH_E) {
          this.inQ = false;
          this.i += 2;
          continue;
        }
        this.noteNonAscii(this.i);
        this.emit(jsChar(this.c(this.i)));
        alt.push({ t: 'one', at: this.i });
        prev = alt.length - 1;
        this.i++;
        continue;
      }
      if (this.opts.x) this.skipExtended();
      const ch = this.c(this.i);
      if (ch === -1 || ch === PIPE) return;
      if (ch === RPAREN) {
        if (!top) return;
        this.error(
          this.i,
          `unmatched ')' at offset ${this.off(this.i)}: remove it, add the missing '(', or write \\) for a literal ')'`,
        );
        this.i++;
        prev = -1;
        why = "follows an unmatched ')'";
        continue;
      }
      if (ch === STAR || ch === PLUS || ch === QMARK || (ch === LBRACE && this.isCountedRepeat(this.i + 1))) {
        const q = this.readQuantifier();
        const target = prev >= 0 ? alt[prev] : undefined;
        if (target === undefined) {
          const lit = q.text.charAt(0);
          this.error(
            q.at,
            `nothing to repeat at offset ${this.off(q.at)}: '${q.text}' ${why}` +
              (why.startsWith('follows a quantifier') && /^([*+?]|\{[\d,]+\})$/.test(q.prevText)
                ? `; PCRE has no '${q.prevText}${q.text}': write '${q.prevText}+' (possessive) or '${q.prevText}?' (lazy)`
                : '') +
              `; write \\${lit} for a literal '${lit}'`,
          );
          why = 'follows an invalid quantifier';
          continue;
        }
        alt[prev] = {
          t: 'repeat',
          at: target.at,
          qAt: q.at,
          qEnd: q.end,
          min: q.min,
          max: q.max,
          child: target,
        };
        if (target.t === 'group' && target.kind === 'lookbehind') this.only('quantified lookbehind');
        else this.emit(q.js);
        prev = -1;
        why = `follows a quantifier ('${this.text(q.at, q.end)}')`;
        this.lastQuant = this.text(q.at, q.end);
        continue;
      }
      const atom = this.parseAtom();
      if (atom === null) continue; // \Q, \E, (?#...): transparent
      alt.push(atom.node);
      if (atom.repeatable) prev = alt.length - 1;
      else {
        prev = -1;
        why = atom.why ?? 'has nothing before it to repeat';
      }
    }
  }

  private readQuantifier(): {
    at: number;
    end: number;
    min: number;
    max: number;
    js: string;
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
    let js =
      ch !== LBRACE
        ? String.fromCharCode(ch)
        : min === max
          ? `{${min}}`
          : max === Infinity
            ? `{${min},}`
            : `{${min},${max}}`;
    // Perl allows white space and comments before the possessive/lazy mark in extended mode.
    const save = this.i;
    if (this.opts.x) this.skipExtended();
    if (this.c(this.i) === PLUS) {
      this.only('possessive quantifier');
      this.i++;
    } else if (this.c(this.i) === QMARK) {
      js += '?';
      this.i++;
    } else this.i = save;
    const end = this.i === save ? end0 : this.i;
    return { at, end, min, max, js, text: this.text(at, end0), prevText };
  }

  private parseAtom(): Atom | null {
    const s = this.i;
    const ch = this.c(s);
    if (ch === CARET || ch === DOLLAR) {
      this.i++;
      this.emit(String.fromCharCode(ch));
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the anchor '${String.fromCharCode(ch)}'`,
      };
    }
    if (ch === DOT) {
      this.i++;
      this.emit('.');
      return { node: { t: 'one', at: s }, repeatable: true };
    }
    if (ch === LBRACKET) return this.parseClass();
    if (ch === LPAREN) return this.parseParen();
    if (ch === BS) return this.parseEscapeAtom();
    this.noteNonAscii(s);
    this.emit(jsChar(ch));
    this.i++;
    return { node: { t: 'one', at: s }, repeatable: true };
  }

  // ---- escapes

  private parseEscapeAtom(): Atom | null {
    const s = this.i;
    const e = this.readEscape('out');
    if (e.k === 'char') {
      this.emit(jsChar(e.v));
      return { node: { t: 'one', at: s }, repeatable: true };
    }
    if (e.k === 'type') {
      this.emit(e.js);
      return {
        node: e.varLen ? { t: 'var', at: s, end: this.i } : { t: 'one', at: s, anyByte: e.anyByte },
        repeatable: true,
      };
    }
    if (e.k === 'assert') {
      this.emit(e.js);
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the assertion '${this.text(s, this.i)}', which cannot be repeated`,
      };
    }
    if (e.k === 'ref') {
      this.numRefs.push({ num: e.n, at: s, end: this.i, call: false });
      this.emit(`(?:\\${e.n})`);
      return { node: { t: 'backref', at: s, end: this.i }, repeatable: true };
    }
    if (e.k === 'kref') {
      this.nameRefs.push({ name: e.name, at: s, end: this.i });
      this.emit('(?:)');
      return { node: { t: 'backref', at: s, end: this.i }, repeatable: true };
    }
    if (e.k === 'call') {
      this.emit('(?:)');
      return { node: e.node, repeatable: true };
    }
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
    return { node: { t: 'one', at: s }, repeatable: true };
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
        return inClass ? { k: 'char', v: 8 } : { k: 'assert', js: '\\b' };
      case 'B':
        return inClass ? this.classLetter(s, ch) : { k: 'assert', js: '\\B' };
      case 'A':
      case 'Z':
      case 'z':
      case 'G':
      case 'K':
        if (inClass) return this.classLetter(s, ch);
        this.only(L === 'K' ? 'match start reset \\K' : `anchor \\${L}`);
        return { k: 'assert', js: L === 'A' ? '^' : L === 'Z' || L === 'z' ? '$' : '(?:)' };
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { k: 'type', js: '\\' + L };
      case 'h':
      case 'H':
      case 'v':
      case 'V':
        this.only(L === 'h' || L === 'H' ? '\\h, \\H (horizontal space)' : '\\v, \\V (vertical space)');
        return { k: 'type', js: L === 'h' || L === 'v' ? '\\s' : '\\S' };
      case 'C':
        if (inClass) return this.classLetter(s, ch);
        this.only('\\C (one byte)');
        return { k: 'type', js: '[\\s\\S]', anyByte: true };
      case 'R':
      case 'X':
        if (inClass) return this.classLetter(s, ch);
        this.only(L === 'R' ? '\\R (any newline)' : '\\X (grapheme cluster)');
        return { k: 'type', js: '[\\s\\S]', varLen: true };
      case 'N':
        if (inClass) {
          this.error(
            s,
            `'\\N' at offset ${o} is not allowed in a character class: use [^\\n] or \\N outside a class`,
          );
          return { k: 'bad' };
        }
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
        this.only('\\N (not a newline)');
        return { k: 'type', js: '.' };
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
        return inClass ? this.classLetter(s, ch) : this.readG(s);
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

  /** \B, \R, \X, \g, \k ... inside a class: a literal letter for PCRE 8, an error for PCRE2. */
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
      let p = s + 1;
      let num = 0;
      while (isDigit(this.c(p))) {
        num = num * 10 + this.c(p) - 0x30;
        p++;
        if (num > 0x7fffffff) {
          while (isDigit(this.c(p))) p++;
          this.i = p;
          this.error(s, `number is too big in '${this.text(s, p)}' at offset ${o}`);
          return { k: 'bad' };
        }
      }
      // \1-\7 are always back references; \8 and more only when that many groups came before.
      if (num < 8 || num <= this.groupCount) {
        this.i = p;
        return { k: 'ref', n: num };
      }
      if (ch >= 0x38) {
        const d = String.fromCharCode(ch);
        this.error(
          s,
          `'\\${d}' at offset ${o} is ambiguous: PCRE 8.33 (older Erlang/OTP) reads it as a back reference to group ` +
            `${d}, which does not exist, newer versions as the digit ${d}; write ${d} without the backslash`,
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
      if (this.c(p) !== RBRACE) {
        this.i = p;
        this.error(
          s,
          `'${this.text(s, p + 1)}' at offset ${o}: \\x{...} must contain only hex digits and end with '}'`,
        );
        return { k: 'bad' };
      }
      this.i = p + 1;
      if (over) {
        this.error(
          s,
          `character value in '${this.text(s, this.i)}' at offset ${o} is too large: without Unicode support ` +
            `PCRE accepts at most \\x{ff}`,
        );
        return { k: 'bad' };
      }
      this.only('\\x{...} escape');
      return { k: 'char', v };
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
    while (isOct(this.c(p))) v = v * 8 + this.c(p++) - 0x30;
    if (this.c(p) !== RBRACE) {
      this.i = p;
      this.error(s, `non-octal character in \\o{...} at offset ${o} (closing brace missing?)`);
      return { k: 'bad' };
    }
    this.i = p + 1;
    if (v > (this.utf ? 0x10ffff : 0xff)) {
      this.error(
        s,
        `character value in '${this.text(s, this.i)}' at offset ${o} is too large (at most \\o{377})`,
      );
      return { k: 'bad' };
    }
    this.only('\\o{...} escape');
    return { k: 'char', v };
  }

  private readProperty(s: number, negated: boolean): Esc {
    const o = this.off(s);
    const x = this.c(this.i);
    let name: string;
    let neg = negated;
    if (x === -1) {
      this.error(s, `malformed '\\${negated ? 'P' : 'p'}' at offset ${o}: write \\p{L} or \\pL`);
      return { k: 'bad' };
    }
    if (x === LBRACE) {
      let p = this.i + 1;
      if (this.c(p) === CARET) {
        neg = !neg;
        p++;
      }
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
    if (!isPropertyName(name))
      this.error(
        s,
        `unknown Unicode property '${name}' in '${this.text(s, this.i)}' at offset ${o}: use a general category ` +
          `(L, Lu, Ll, N, Nd, P, S, Z, ...) or a script name (Latin, Greek, Cyrillic, ...)`,
      );
    this.only('Unicode property \\p{...}');
    return { k: 'type', js: neg ? '\\W' : '\\w' };
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
        const name = this.readRefName(term);
        this.only('subroutine call / recursion');
        return { k: 'call', node: this.callNode(s, undefined, name) };
      }
      let p = this.i + 2;
      while (isDigit(this.c(p))) p++;
      if (this.c(p) !== term) malformed();
      const sign = cf === PLUS || cf === MINUS ? cf : 0;
      const ds = sign ? this.i + 2 : this.i + 1;
      if (ds >= p) malformed();
      const num = Number(this.text(ds, p));
      this.i = p + 1;
      const node = this.numericCall(s, sign, num);
      return node ? { k: 'call', node } : { k: 'bad' };
    }
    let braced = false;
    if (x === LBRACE) {
      let p = this.i + 1;
      while (this.c(p) !== -1 && this.c(p) !== RBRACE && (this.c(p) === MINUS || isDigit(this.c(p)))) p++;
      if (this.c(p) !== -1 && this.c(p) !== RBRACE) {
        this.i++;
        const name = this.readRefName(RBRACE);
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
    const ds = this.i;
    while (isDigit(this.c(this.i))) this.i++;
    if (braced) {
      if (this.c(this.i) !== RBRACE) malformed();
      this.i++;
    }
    const digits = this.text(ds, braced ? this.i - 1 : this.i);
    if (digits === '') malformed();
    let num = Number(digits);
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
    const name = this.readRefName(term);
    if (x !== LT)
      this.only(`named back reference \\k${String.fromCharCode(x)}name${String.fromCharCode(term)}`);
    return { k: 'kref', name };
  }

  // ---- names

  /** A group name followed by term; this.i is at its first character; moves past term. */
  private readName(term: number): string {
    const ns = this.i;
    if (isDigit(this.c(ns)))
      this.fatal(ns, `group name at offset ${this.off(ns)} must start with a letter or '_', not a digit`);
    while (isWord(this.c(this.i))) this.i++;
    const len = this.i - ns;
    if (len === 0 || this.c(this.i) !== term) {
      let t = this.i;
      while (this.c(t) !== -1 && this.c(t) !== term) t++;
      const candidate = this.text(ns, t);
      if (this.c(t) === term && JS_IDENTIFIER.test(candidate))
        this.fatal(
          ns,
          `group name '${candidate}' at offset ${this.off(ns)} is valid in JavaScript but not in PCRE: ` +
            'names may only use ASCII letters, digits and underscore',
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
    if (len > 32)
      this.error(
        ns,
        `group name '${name}' at offset ${this.off(ns)} is too long (PCRE allows at most 32 characters)`,
      );
    this.i++;
    return name;
  }

  private readRefName(term: number): string {
    return this.readName(term);
  }

  /** (?<name>, (?'name', (?P<name>: this.i at the name. Returns the capture group. */
  private defineNamedGroup(s: number, term: number): GroupNode {
    const ns = this.i;
    const name = this.readName(term);
    const num = this.groupCount + 1;
    for (const n of this.names) {
      if (n.name === name) {
        if (n.num === num) continue;
        if (!this.opts.dupnames)
          this.error(
            ns,
            `two groups are named '${name}' (offsets ${this.off(n.at)} and ${this.off(ns)}): PCRE needs unique names ` +
              '(or (?J) at the start)',
          );
      } else if (n.num === num)
        this.error(
          ns,
          `groups of the same number must have the same name: '${n.name}' and '${name}' (in (?|...))`,
        );
    }
    this.names.push({ name, num, at: ns });
    return this.newCapture(s);
  }

  private newCapture(s: number): GroupNode {
    const num = ++this.groupCount;
    const g: GroupNode = { t: 'group', at: s, kind: 'capture', num, alts: [], closed: false };
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
      this.i += 7;
      this.only('POSIX word boundary [[:<:]] / [[:>:]]');
      this.emit('(?=\\b)');
      return { node: { t: 'zero', at: s }, repeatable: true };
    }
    const pe = this.posixEnd(s);
    if (pe >= 0) {
      const t = this.text(s, pe + 2);
      if (this.c(s + 1) === COLON)
        this.error(s, `POSIX class '${t}' at offset ${o} only works inside a character class: write [${t}]`);
      else this.error(s, `POSIX collating element '${t}' at offset ${o} is not supported`);
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
    this.emit(negate ? '[^' : '[');
    const firstIsBracket = this.c(this.i) === RBRACKET;
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
          this.error(this.i, `POSIX collating element '${t}' at offset ${this.off(this.i)} is not supported`);
        else {
          const neg = this.c(this.i + 2) === CARET;
          const name = this.text(this.i + (neg ? 3 : 2), end);
          if (!POSIX_NAMES.has(name))
            this.error(
              this.i,
              `unknown POSIX class name '${t}' at offset ${this.off(this.i)}: use one of ${[...POSIX_NAMES].join(', ')}`,
            );
          this.only('POSIX class [:name:]');
          this.emit(neg ? '\\W' : '\\w');
        }
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
          this.emit(e.js === '[\\s\\S]' || e.js === '.' ? '\\s\\S' : e.js);
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
          } else if (this.c(j) === BS) {
            this.i = j;
            const e = this.readEscape('rangeEnd');
            if (e.k === 'special') {
              this.error(
                loAt,
                `invalid range '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}: '${this.text(j, this.i)}' ` +
                  `cannot end a range; put '-' last or escape it (\\-) if you mean a literal hyphen`,
              );
              this.emit(jsChar(lo));
              continue;
            }
            if (e.k !== 'char') continue;
            hi = e.v;
          } else if (this.c(j) === LBRACKET && this.posixEnd(j) >= 0) {
            this.i = this.posixEnd(j) + 2;
            this.error(
              j,
              `invalid range '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}: a POSIX class cannot end a ` +
                `range; put '-' last or escape it (\\-)`,
            );
            continue;
          } else {
            hi = this.c(j);
            this.noteNonAscii(j);
            this.i = j + 1;
          }
          if (hi < lo) {
            this.error(
              loAt,
              `range out of order in character class: '${this.text(loAt, this.i)}' at offset ${this.off(loAt)}; ` +
                `write '${this.text(j, this.i)}-${this.text(loAt, dashAt)}' (lowest first)`,
            );
            this.emit(jsChar(lo) + jsChar(hi));
          } else if (this.utf && (lo > 0xffff || hi > 0xffff)) this.emit('\\w');
          else this.emit(jsChar(lo) + '-' + jsChar(hi));
          continue;
        }
      }
      this.emit(this.utf && lo > 0xffff ? '\\w' : jsChar(lo));
    }
    this.i++;
    this.emit(']');
    if (firstIsBracket)
      this.warn(
        s,
        `in PCRE the ']' right after '${negate ? '[^' : '['}' at offset ${o} is a literal ']', not the end of the ` +
          `class (JavaScript reads '${negate ? '[^]' : '[]'}' as ${negate ? 'any character' : 'an empty class'}); ` +
          `write \\] to make the intent clear`,
        'pattern_js_only',
      );
    return { node: { t: 'one', at: s }, repeatable: true };
  }

  // ---- parentheses

  private parseParen(): Atom | null {
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
      this.emit('(');
      return this.parseGroup(s, this.newCapture(s));
    }

    const group = (kind: GroupKind, skip: number, js: string, opts?: Opts): Atom => {
      this.i = s + skip;
      this.emit(js);
      return this.parseGroup(s, { t: 'group', at: s, kind, num: 0, alts: [], closed: false }, opts);
    };

    switch (c2) {
      case PIPE:
        this.only('branch reset group (?|...)');
        return group('reset', 3, '(?:');
      case COLON:
        return group('noncap', 3, '(?:');
      case LPAREN:
        return this.parseConditional(s);
      case EQUALS:
        return group('lookahead', 3, '(?=');
      case BANG:
        return group('lookahead', 3, '(?!');
      case GT:
        this.only('atomic group (?>...)');
        return group('atomic', 3, '(?:');
      case LT: {
        const c3 = this.c(s + 3);
        if (c3 === EQUALS) return group('lookbehind', 4, '(?<=');
        if (c3 === BANG) return group('lookbehind', 4, '(?<!');
        if (!isWord(c3)) {
          let t = s + 3;
          while (this.c(t) !== -1 && this.c(t) !== GT && t < s + 40) t++;
          if (this.c(t) === GT && JS_IDENTIFIER.test(this.text(s + 3, t)))
            this.fatal(
              s + 3,
              `group name '${this.text(s + 3, t)}' at offset ${this.off(s + 3)} is valid in JavaScript but not in ` +
                'PCRE: names may only use ASCII letters, digits and underscore',
              'pattern_js_only',
            );
          this.fatal(
            s,
            `'(?<' at offset ${o} must be followed by '=', '!' or a group name (letters, digits, underscore)`,
          );
        }
        this.i = s + 3;
        this.emit('(');
        return this.parseGroup(s, this.defineNamedGroup(s, GT));
      }
      case APOS:
        this.i = s + 3;
        this.emit('(');
        this.only("named group (?'name'...)");
        return this.parseGroup(s, this.defineNamedGroup(s, APOS));
      case 0x50 /* P */: {
        const c3 = this.c(s + 3);
        if (c3 === LT) {
          this.i = s + 4;
          this.emit('(');
          this.only('named group (?P<name>...)');
          return this.parseGroup(s, this.defineNamedGroup(s, GT));
        }
        if (c3 === EQUALS || c3 === GT) {
          this.i = s + 4;
          const name = this.readRefName(RPAREN);
          this.emit('(?:)');
          if (c3 === EQUALS) {
            this.only('named back reference (?P=name)');
            this.nameRefs.push({ name, at: s, end: this.i });
            return { node: { t: 'backref', at: s, end: this.i }, repeatable: true };
          }
          this.only('subroutine call / recursion');
          return { node: this.callNode(s, undefined, name), repeatable: true };
        }
        return this.fatal(
          s,
          `unrecognized character after '(?P' at offset ${o}: write (?P<name>...), (?P=name) or (?P>name)`,
        );
      }
      case AMP: {
        this.i = s + 3;
        const name = this.readRefName(RPAREN);
        this.emit('(?:)');
        this.only('subroutine call / recursion');
        return { node: this.callNode(s, undefined, name), repeatable: true };
      }
      case 0x52 /* R */:
        if (this.c(s + 3) !== RPAREN) this.fatal(s, `'(?R' at offset ${o} must be followed by ')'`);
        this.i = s + 4;
        this.emit('(?:)');
        this.only('subroutine call / recursion');
        return { node: this.callNode(s, 0, undefined), repeatable: true };
      case 0x43 /* C */: {
        let p = s + 3;
        let n = 0;
        while (isDigit(this.c(p))) n = n * 10 + this.c(p++) - 0x30;
        if (this.c(p) !== RPAREN)
          this.fatal(s, `the callout '(?C' at offset ${o} must be (?C) or (?Cn) with a number n`);
        this.i = p + 1;
        if (n > 255)
          this.error(s, `callout number in '${this.text(s, this.i)}' at offset ${o} is greater than 255`);
        this.only('callout (?C)');
        this.emit('(?:)');
        return {
          node: { t: 'zero', at: s },
          repeatable: false,
          why: `follows the callout '${this.text(s, this.i)}'`,
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
      const ds = p;
      while (isDigit(this.c(p))) p++;
      if (this.c(p) !== RPAREN)
        this.fatal(
          s,
          `'${this.text(s, p + 1)}' at offset ${o}: a group call like (?1) or (?-1) must end with ')'`,
        );
      this.i = p + 1;
      this.emit('(?:)');
      const node = this.numericCall(s, sign, Number(this.text(ds, p)));
      return node ? { node, repeatable: true } : null;
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
      else if (ch === 0x69 || ch === 0x6d || ch === 0x73 || ch === 0x55) {
        /* i m s U: no effect on syntax */
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
      this.emit('(?:)');
      return {
        node: { t: 'zero', at: s },
        repeatable: false,
        why: `follows the option setting '(?${letters})', which cannot be repeated`,
      };
    }
    this.only(`inline option (?${letters}:...)`);
    return group('noncap', p + 1 - s, '(?:', next);
  }

  private parseVerb(s: number): Atom {
    const o = this.off(s);
    let p = s + 2;
    while (isLetter(this.c(p))) p++;
    const name = this.text(s + 2, p);
    let arg: string | undefined;
    if (this.c(p) === COLON) {
      const as = ++p;
      while (this.c(p) !== -1 && this.c(p) !== RPAREN) p++;
      arg = this.text(as, p);
    }
    if (this.c(p) !== RPAREN) {
      let q = p;
      while (this.c(q) !== -1 && this.c(q) !== RPAREN) q++;
      if (this.c(q) === RPAREN && START_SETTING.test(this.text(s, q + 1))) {
        this.i = q + 1;
        this.error(
          s,
          `'${this.text(s, this.i)}' at offset ${o} is only allowed at the very start of the pattern`,
        );
        return { node: { t: 'zero', at: s }, repeatable: false, why: `follows '${this.text(s, this.i)}'` };
      }
      this.fatal(
        s,
        `'${this.text(s, p)}' at offset ${o}: a (*VERB) must end with ')'; write \\(\\* for a literal '(*'`,
      );
    }
    this.i = p + 1;
    const t = this.text(s, this.i);
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
      this.error(
        s,
        START_SETTING.test(t)
          ? `'${t}' at offset ${o} is only allowed at the very start of the pattern`
          : `unknown (*VERB) '${t}' at offset ${o}: PCRE knows (*ACCEPT), (*FAIL), (*COMMIT), (*PRUNE), (*SKIP), (*THEN) and (*MARK:name)`,
      );
    } else if (rule === 'none' && arg !== undefined && arg !== '')
      this.error(s, `'${t}' at offset ${o}: (*ACCEPT), (*FAIL) and (*COMMIT) take no argument`);
    else if (rule === 'need' && !arg)
      this.error(s, `'${t}' at offset ${o}: (*MARK) needs a name, e.g. (*MARK:here)`);
    else if (arg !== undefined && arg.length > 255)
      this.error(s, `the name in '${t}' at offset ${o} is too long (at most 255)`);
    this.only('backtracking verb (*...)');
    this.emit(name === 'F' || name === 'FAIL' ? '(?!)' : '(?:)');
    return { node: { t: 'zero', at: s }, repeatable: false, why: `follows '${t}', which cannot be repeated` };
  }

  private parseConditional(s: number): Atom {
    const o = this.off(s);
    const g: GroupNode = { t: 'group', at: s, kind: 'cond', num: 0, alts: [], closed: false };
    this.only('conditional group (?(...)...)');
    this.emit('(?:');
    // (?(?C1)(?=...)...) : a callout may precede an assertion condition.
    let t = s + 2;
    if (this.c(t + 1) === QMARK && this.c(t + 2) === 0x43) {
      let k = t + 3;
      while (isDigit(this.c(k))) k++;
      if (this.c(k) === RPAREN) t = k + 1;
    }
    if (
      this.c(t + 1) === QMARK &&
      (this.c(t + 2) === EQUALS ||
        this.c(t + 2) === BANG ||
        (this.c(t + 2) === LT && (this.c(t + 3) === EQUALS || this.c(t + 3) === BANG)))
    ) {
      this.i = s + 2;
      this.pendingCondAssert = true;
      return this.parseGroup(s, g);
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
    if (sign >= 0) while (isDigit(this.c(k))) k++;
    else {
      if (isDigit(this.c(k)))
        this.fatal(k, `group name at offset ${this.off(k)} must start with a letter or '_', not a digit`);
      if (!isWord(this.c(k)))
        this.fatal(
          s,
          `'(?(' at offset ${o} must be followed by a group number, <name>, 'name', R, DEFINE or an assertion ` +
            'such as (?=...)',
        );
      while (isWord(this.c(k))) k++;
    }
    const ne = k;
    if ((term > 0 && this.c(k++) !== term) || this.c(k++) !== RPAREN)
      this.fatal(
        s,
        `malformed number or name after '(?(' at offset ${o}: write e.g. (?(1)yes|no) or (?(<name>)yes|no)`,
      );
    this.i = k;
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
    return this.parseGroup(s, g);
  }

  private parseGroup(s: number, g: GroupNode, opts?: Opts): Atom {
    if (this.stack.length > 250)
      this.fatal(s, `parentheses are too deeply nested at offset ${this.off(s)} (PCRE allows 250 levels)`);
    if (g.kind === 'lookahead' || g.kind === 'lookbehind') {
      if (this.pendingCondAssert) g.condAssert = true;
      this.pendingCondAssert = false;
    }
    if (g.kind === 'lookbehind') g.ancestors = [...this.stack];
    const saved = this.opts;
    if (opts) this.opts = opts;
    this.stack.push(g);
    this.parseAlts(g, false);
    this.stack.pop();
    this.opts = saved;
    if (this.c(this.i) !== RPAREN)
      this.fatal(
        s,
        `missing ')': the '(' at offset ${this.off(s)} is never closed; add ')' or write \\( for a literal '('`,
      );
    this.i++;
    this.emit(')');
    g.closed = true;
    g.end = this.i;
    if (g.kind === 'lookbehind') this.lookbehinds.push(g);
    if (g.kind === 'cond') this.conds.push(g);
    if (g.condAssert)
      return {
        node: g,
        repeatable: false,
        why: 'follows the assertion that is the condition of a (?(...)) group',
      };
    return { node: g, repeatable: true };
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
// Delimiters, units, fallbacks

function lastUnescapedSlash(s: string): number {
  for (let p = s.length - 1; p > 0; p--) {
    if (s[p] !== '/') continue;
    let n = 0;
    while (p - 1 - n >= 0 && s[p - 1 - n] === '\\') n++;
    if (n % 2 === 0) return p;
  }
  return -1;
}

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
  const last = lastUnescapedSlash(core);
  if (last === core.length - 1) return { body: core.slice(1, -1), base: lead + 1 };
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
  if (core.length >= 2 && core.endsWith('/')) {
    delim(
      lead + core.length - 1,
      `the closing '/' at offset ${lead + core.length - 1} is escaped by the '\\' before it: the pattern must end with ` +
        "an unescaped '/' (write \\\\/ if the pattern ends with a literal backslash)",
    );
    return { body: core.slice(1, -1), base: lead + 1 };
  }
  delim(lead + core.length, "the pattern must end with an unescaped '/': write it as /.../");
  return { body: core.slice(1), base: lead + 1 };
}

/** Leading (*UTF8), (*CR), (*LIMIT_MATCH=n)... settings, which only PCRE's outer compile reads. */
function startSettings(body: string): { start: number; utf: boolean; newline: Newline; found: string[] } {
  let start = 0;
  let utf = false;
  let newline: Newline = 'lf';
  const found: string[] = [];
  for (;;) {
    const m = START_SETTING.exec(body.slice(start));
    if (!m) break;
    const name = m[1] ?? '';
    if (name === 'UTF8' || name === 'UTF') utf = true;
    else if (name === 'CR') newline = 'cr';
    else if (name === 'LF') newline = 'lf';
    else if (name === 'CRLF') newline = 'crlf';
    else if (name === 'ANYCRLF') newline = 'anycrlf';
    else if (name === 'ANY') newline = 'any';
    found.push(`start-of-pattern setting ${m[0]}`);
    start += m[0].length;
  }
  return { start, utf, newline, found };
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
      const bytes =
        cp < 0x800
          ? [0xc0 | (cp >> 6), 0x80 | (cp & 0x3f)]
          : cp < 0x10000
            ? [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)]
            : [0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 0x3f), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)];
      for (const b of bytes) {
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
 * Analyses a pattern as written in the config (`/.../`): delimiters, PCRE (Erlang re) syntax,
 * JavaScript-only syntax, capture-group count and the PCRE-only constructs it uses.
 */
export function analyzePattern(written: string): PatternAnalysis {
  const issues: PatternIssue[] = [];
  const { body, base } = splitDelimiters(written, issues);
  const settings = startSettings(body);
  const { units, offs } = toUnits(body, settings.utf);
  const parser = new Parser(units, offs, body, base, settings.utf, settings.newline, settings.start);
  parser.parse();
  issues.push(...parser.issues);
  const pcreOnly = [...settings.found, ...parser.pcreOnly];
  const groups = parser.aborted ? roughGroupCount(body) : parser.groupCount;

  // Conservative cross-check: if JavaScript refuses what we accepted, say so rather than pass it.
  const bodyErrors = issues.some((x) => x.severity === 'error' && x.code !== 'pattern_delimiters');
  if (!parser.aborted && !bodyErrors) {
    const source = pcreOnly.length === 0 ? body : parser.js;
    try {
      new RegExp(source);
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      issues.push({
        code: 'pattern_syntax',
        severity: 'error',
        message:
          `JavaScript's RegExp rejects this pattern (${why}) although kzops found no PCRE error; kzops is ` +
          'conservative here: simplify the pattern, or check it against KAZOO before relying on it',
      });
    }
  }
  return { body, groups, pcreOnly, issues };
}

/**
 * Checks that a `replace` string only refers to capture groups the pattern has.
 *
 * Accepted group references, and why:
 * - `$N` and `${N}`: the form KAZOO's documentation uses (`"replace": "$1"`); `${N}` lets a digit
 *   follow the reference (`${1}0`).
 * - `\N`, `\gN` and `\g{N}`: what Erlang's `re:replace/4` itself understands.
 * - `$0`, `\0` and `&` mean the whole match (always valid). A bare `&` gets a warning, because with
 *   `re:replace` it inserts the whole match; `\&` is a literal `&` and `\\` a literal backslash.
 * Digits are read greedily (`$12` is group 12), as `re:replace` does for `\12`.
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
      if ((m = /^\\(\d+)/.exec(rest)) || (m = /^\\g\{(\d+)\}/.exec(rest)) || (m = /^\\g(\d+)/.exec(rest))) {
        ref(i, m[0], m[1] ?? '', backslash);
        i += m[0].length;
      } else i += 2; // \\, \& and any other escaped character
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
