import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../../src/core/errors.js';
import { bulkRows, moveRows, parseCsv, patchRows } from '../../src/core/support/bulk-rows.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(32);
const C = 'c'.repeat(32);
const S1 = '1'.repeat(32);
const S2 = '2'.repeat(32);
const S3 = '3'.repeat(32);

const csv = (...lines: string[]) => lines.join('\n') + '\n';

describe('parseCsv', () => {
  it('numbers records by the line they start on, past empty lines, CRLF and quoted line breaks', () => {
    const table = parseCsv('h1,h2\r\nx,y\r\n\r\n"multi\r\nline",z\r\nlast,row', 'f.csv');
    expect(table.header).toEqual(['h1', 'h2']);
    expect(table.records).toEqual([
      { line: 2, cells: ['x', 'y'] },
      { line: 4, cells: ['multi\nline', 'z'] },
      { line: 6, cells: ['last', 'row'] },
    ]);
  });

  it('trims cells and drops a byte-order mark', () => {
    expect(parseCsv('\uFEFFa , b\n 1 ,2 \n', 'f.csv')).toEqual({
      header: ['a', 'b'],
      records: [{ line: 2, cells: ['1', '2'] }],
    });
  });

  it('refuses an empty file and one that is not CSV, naming the file', () => {
    expect(() => parseCsv('\n\n', 'empty.csv')).toThrow(/empty\.csv: the file is empty/);
    expect(() => parseCsv('a,b\n"open,1\n', 'broken.csv')).toThrow(InvalidInputError);
    expect(() => parseCsv('a,b\n"open,1\n', 'broken.csv')).toThrow(/broken\.csv: not a CSV file/);
  });
});

describe('moveRows', () => {
  const move = (text: string) => moveRows(parseCsv(text, 'm.csv'), 'm.csv');

  it('reads valid rows, with and without to_cluster', () => {
    const out = move(
      csv('account_id,subscription_id,to_account,to_cluster', `${A},${S1},${B},`, `${A},${S2},${B},${C}`),
    );
    expect(out.invalid).toEqual([]);
    expect(out.rows).toEqual([
      { kind: 'move', line: 2, accountId: A, subscriptionId: S1, move: { target_account_id: B } },
      {
        kind: 'move',
        line: 3,
        accountId: A,
        subscriptionId: S2,
        move: { target_account_id: B, target_cluster_id: C },
      },
    ]);
  });

  it('accepts the columns in any order and without to_cluster', () => {
    const out = move(csv('to_account,subscription_id,account_id', `${B},${S1},${A}`));
    expect(out.rows[0]?.move).toEqual({ target_account_id: B });
    expect(out.rows[0]?.accountId).toBe(A);
  });

  it('reports every bad row with its line and reason, and keeps the good ones', () => {
    const out = move(
      csv(
        'account_id,subscription_id,to_account,to_cluster',
        `${A},${S1},${B},`,
        `nope,${S2},${B},`,
        `${A},${S3},${A},`,
        `${A},${S1},${C},`,
        `${A},${S2}`,
        `${A},${S3},${B},xyz`,
        `${A},${S3},${B},`,
      ),
    );
    // Line 8 repeats the subscription of the invalid lines 4 and 7, corrected: it runs.
    expect(out.rows.map((r) => r.line)).toEqual([2, 8]);
    expect(out.invalid).toEqual([
      { line: 3, reason: 'account_id "nope" is not an id: 32 lowercase hex characters' },
      { line: 4, reason: expect.stringContaining('is the account the subscription is already in') as string },
      { line: 5, reason: `subscription ${S1} is already on line 2` },
      { line: 6, reason: 'has 2 fields, the header has 4' },
      { line: 7, reason: 'to_cluster "xyz" is not an id: 32 lowercase hex characters' },
    ]);
  });

  it('allows a move within the account when it changes the cluster', () => {
    const out = move(csv('account_id,subscription_id,to_account,to_cluster', `${A},${S1},${A},${C}`));
    expect(out.invalid).toEqual([]);
    expect(out.rows[0]?.move).toEqual({ target_account_id: A, target_cluster_id: C });
  });

  it('refuses a header without the required columns or with unknown ones', () => {
    expect(() => move(csv('account_id,subscription_id', `${A},${S1}`))).toThrow(
      /m\.csv: line 1: the header lacks to_account/,
    );
    expect(() => move(csv('account_id,subscription_id,to_account,note', `${A},${S1},${B},x`))).toThrow(
      /unknown column note/,
    );
    expect(() =>
      move(csv('account_id,subscription_id,to_account,to_account', `${A},${S1},${B},${B}`)),
    ).toThrow(/column to_account appears twice/);
  });
});

describe('patchRows', () => {
  const patch = (text: string) => patchRows(parseCsv(text, 'p.csv'), 'p.csv');

  it('reads each field cell as a --set value would be read, nesting dotted paths', () => {
    const out = patch(
      csv(
        'account_id,subscription_id,plan,suspended,additional_properties.name,features',
        `${A},${S1},"""260PLAN1""",true,"""Joe's phone""","[""lte"",""sip""]"`,
      ),
    );
    expect(out.invalid).toEqual([]);
    expect(out.rows[0]).toEqual({
      kind: 'patch',
      line: 2,
      accountId: A,
      subscriptionId: S1,
      patch: {
        plan: '260PLAN1',
        suspended: true,
        additional_properties: { name: "Joe's phone" },
        features: ['lte', 'sip'],
      },
    });
  });

  it('leaves a field alone when its cell is empty, and removes it for null', () => {
    const out = patch(csv('account_id,subscription_id,plan,imsi', `${A},${S1},,null`, `${A},${S2},P2,`));
    expect(out.rows.map((r) => r.patch)).toEqual([{ imsi: null }, { plan: 'P2' }]);
  });

  it('takes a cell that is not a JSON literal as text, as --set does', () => {
    const out = patch(csv('account_id,subscription_id,plan,name', `${A},${S1},two words,Front Desk Phone`));
    expect(out.invalid).toEqual([]);
    expect(out.rows.map((r) => r.patch)).toEqual([{ plan: 'two words', name: 'Front Desk Phone' }]);
  });

  it('reports an integer that would lose digits, and a row with nothing to change', () => {
    const out = patch(csv('account_id,subscription_id,esn', `${A},${S1},270113180000001111`, `${A},${S2},`));
    expect(out.rows).toEqual([]);
    expect(out.invalid).toEqual([
      {
        line: 2,
        reason: expect.stringContaining(
          'esn: "270113180000001111" is a number too large to keep its digits (write it as text in JSON quotes',
        ) as string,
      },
      { line: 3, reason: 'every field cell is empty' },
    ]);
  });

  it('refuses a header without field columns, with a bad path, or with overlapping paths', () => {
    expect(() => patch(csv('account_id,subscription_id', `${A},${S1}`))).toThrow(/no field columns/);
    expect(() => patch(csv('account_id,subscription_id,a..b', `${A},${S1},1`))).toThrow(
      /column "a\.\.b" is not a field path/,
    );
    expect(() => patch(csv('account_id,subscription_id,data,data.caps', `${A},${S1},1,2`))).toThrow(
      /columns data and data\.caps set the same field/,
    );
  });
});

describe('bulkRows', () => {
  it('picks the reader by kind', () => {
    const text = csv('account_id,subscription_id,to_account', `${A},${S1},${B}`);
    expect(bulkRows('move', text, 'f.csv').rows[0]?.kind).toBe('move');
    expect(() =>
      bulkRows('patch', csv('account_id,subscription_id,plan', `${A},${S1},x`), 'f.csv'),
    ).not.toThrow();
  });
});
