/** Reading routing documents one kind at a time (`routing list`, `routing get`). */
import { KIND_READERS, type RoutingKind } from './routing-kinds.js';
import { connectRead, type TargetInput } from './session.js';

export async function listRouting(
  input: TargetInput & { kind: RoutingKind },
): Promise<{ outcome: 'done'; rows: object[]; label: string }> {
  const conn = await connectRead(input);
  try {
    return { outcome: 'done', rows: await KIND_READERS[input.kind].list(conn.client), label: conn.label };
  } finally {
    await conn.close();
  }
}

export async function getRouting(
  input: TargetInput & { kind: RoutingKind; id: string },
): Promise<{ outcome: 'done'; doc: object; label: string }> {
  const conn = await connectRead(input);
  try {
    return {
      outcome: 'done',
      doc: await KIND_READERS[input.kind].get(conn.client, input.id),
      label: conn.label,
    };
  } finally {
    await conn.close();
  }
}
