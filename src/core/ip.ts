/**
 * The one canonical form of an IP address, used wherever two spellings of an address must
 * compare equal: the plan's differ (`2001:db8::1` live against `2001:0DB8:0:0:0:0:0:1` in the
 * YAML is no change) and validation's uniqueness checks (one address listed twice, or owned by
 * two SBCs). Pure, so `src/core` can use it; tests check it against `node:net` and WHATWG URL.
 */

/** Dotted-quad IPv4, each octet 0-255 with no leading zero (`010` is ambiguous: octal or not). */
function parseIpv4(text: string): number[] | undefined {
  const parts = text.split('.');
  if (parts.length !== 4) return undefined;
  const octets: number[] = [];
  for (const part of parts) {
    if (!/^(?:0|[1-9][0-9]{0,2})$/.test(part)) return undefined;
    const n = Number(part);
    if (n > 255) return undefined;
    octets.push(n);
  }
  return octets;
}

/** The 16-bit groups of a colon-separated run; `allowIpv4` lets its last group be a dotted quad. */
function parseGroups(run: string, allowIpv4: boolean): number[] | undefined {
  if (run === '') return [];
  const texts = run.split(':');
  const groups: number[] = [];
  for (const [i, text] of texts.entries()) {
    if (allowIpv4 && i === texts.length - 1 && text.includes('.')) {
      const v4 = parseIpv4(text);
      if (v4 === undefined) return undefined;
      const [a = 0, b = 0, c = 0, d = 0] = v4;
      groups.push((a << 8) | b, (c << 8) | d);
    } else if (/^[0-9a-f]{1,4}$/i.test(text)) {
      groups.push(parseInt(text, 16));
    } else {
      return undefined;
    }
  }
  return groups;
}

/** RFC 4291 text forms (with `::` and an embedded IPv4 tail); no zone ids. */
function parseIpv6(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const [head = '', tail] = halves;
  if (tail === undefined) {
    const groups = parseGroups(head, true);
    return groups?.length === 8 ? groups : undefined;
  }
  const left = parseGroups(head, false);
  const right = parseGroups(tail, true);
  if (left === undefined || right === undefined) return undefined;
  const gap = 8 - left.length - right.length;
  // `::` stands for at least one zero group.
  if (gap < 1) return undefined;
  return [...left, ...Array<number>(gap).fill(0), ...right];
}

/**
 * RFC 5952: lowercase, no leading zeros, the first longest run of two or more zero groups as
 * `::`. Embedded IPv4 is written in hex (as WHATWG URLs do), so there is one form per address.
 */
function formatIpv6(groups: number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/**
 * The canonical form of an IP address, or undefined when `text` is not one. IPv4 and IPv6 are
 * separate families: `::ffff:10.0.0.1` is not `10.0.0.1`. Surrounding whitespace is not
 * trimmed (the YAML parser already has).
 */
export function normalizeIp(text: string): string | undefined {
  if (text.includes(':')) {
    const groups = parseIpv6(text);
    return groups && formatIpv6(groups);
  }
  return parseIpv4(text)?.join('.');
}
