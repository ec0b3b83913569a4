/** Other text forms of one IP address, for the tests of src/core/ip.ts and of its users. */
import fc from 'fast-check';

/** `2001:db8::1` → `2001:0DB8:0000:0000:0000:0000:0000:0001`: the same address, other text. */
export function longForm(canonical: string): string {
  const [head = '', tail] = canonical.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return groups.map((g) => g.padStart(4, '0').toUpperCase()).join(':');
}

/** The eight 16-bit groups of an IPv6 address, zero-rich so that `::` has runs to stand for. */
export const ipv6Groups: fc.Arbitrary<number[]> = fc.array(
  fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })),
  { minLength: 8, maxLength: 8 },
);

/** Every run of one or more consecutive zero groups in `hex`, as [start, length]. */
function zeroRuns(groups: readonly number[]): [number, number][] {
  const runs: [number, number][] = [];
  for (let start = 0; start < groups.length; start++) {
    for (let end = start; end < groups.length && groups[end] === 0; end++)
      runs.push([start, end - start + 1]);
  }
  return runs;
}

/**
 * Any RFC 4291 text form of the address `groups`: each group in either case with or without
 * leading zeros, any run of zero groups (or none) written `::`, the last 32 bits optionally as
 * a dotted quad.
 */
export function ipv6Spelling(groups: readonly number[]): fc.Arbitrary<string> {
  return fc
    .record({
      upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
      pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
      v4: fc.boolean(),
      pick: fc.nat(),
    })
    .map(({ upper, pad, v4, pick }) => {
      const n = v4 ? 6 : 8;
      const hex = groups.slice(0, n).map((g, i) => {
        const text = g.toString(16);
        const padded = text.padStart(Math.min(4, text.length + (pad[i] ?? 0)), '0');
        return upper[i] ? padded.toUpperCase() : padded;
      });
      const [g6 = 0, g7 = 0] = groups.slice(6);
      const tail = v4 ? [`${g6 >> 8}.${g6 & 255}.${g7 >> 8}.${g7 & 255}`] : [];
      const runs = zeroRuns(groups.slice(0, n));
      const run = runs[pick % (runs.length + 1)];
      if (run === undefined) return [...hex, ...tail].join(':');
      const [start, length] = run;
      return `${hex.slice(0, start).join(':')}::${[...hex.slice(start + length), ...tail].join(':')}`;
    });
}
