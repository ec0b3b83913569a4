/**
 * Port-in routes of the support API (level master): force a poll of the carrier's port
 * messages, and force a port's status when the carrier's messaging is unreliable.
 */
import { PORT_STATUS_CODES, PORT_STATUS_SOURCES } from '../../core/support/shapes.js';
import { notFound } from '../errors.js';
import { sameMdn } from '../mdn.js';
import { publicView, type Doc, type JsonObject, type SimContext } from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';
import { compileValidator } from '../validate.js';
import { gregorianNow, touch } from './devices.js';
import { isRecord } from '../../core/json.js';

/** Final statuses: reaching one of them updates the device that uses the number. */
const DEVICE_UPDATING = new Set<string>(['completed', 'canceled']);

const validatePoll = compileValidator({
  type: 'object',
  properties: { data: { type: 'object' } },
});

const validateStatus = compileValidator({
  type: 'object',
  required: ['data'],
  properties: {
    data: {
      type: 'object',
      additionalProperties: false,
      required: ['code'],
      properties: {
        code: { enum: [...PORT_STATUS_CODES] },
        source: { enum: [...PORT_STATUS_SOURCES] },
        // Accepted so clients that echo a status back are not rejected, but always ignored:
        // the reference says the route sets `forced_update: true` and it cannot be overridden.
        forced_update: true,
      },
    },
  },
});

/**
 * The simulator has no carrier to poll: a poll only records when it ran. The reference shows
 * no response for this route; the simulator answers `{polled: true, timestamp}`.
 */
function poll(ctx: SimContext, req: SimRequest): SimResult {
  if (req.body !== undefined) validatePoll(req.body);
  const timestamp = gregorianNow(ctx);
  ctx.state.ports_polled_at = timestamp;
  return { data: { polled: true, timestamp }, mutated: true };
}

/**
 * Devices in the port's account using the ported number. A finished port is recorded on each
 * as `additional_properties.port_in = {status, timestamp}` (the reference leaves the
 * "appropriate updates" unspecified; this is the simulator's choice).
 */
function recordOnDevices(ctx: SimContext, port: Doc, code: string, timestamp: number): void {
  for (const device of Object.values(ctx.state.devices)) {
    const sub = isRecord(device.subscription) ? device.subscription : {};
    if (device.pvt_account_id !== port.pvt_account_id || !sameMdn(sub.mdn, port.mdn)) continue;
    const extra = isRecord(device.additional_properties) ? device.additional_properties : {};
    device.additional_properties = { ...extra, port_in: { status: code, timestamp } };
    touch(ctx, device);
  }
}

function setStatus(ctx: SimContext, req: SimRequest): SimResult {
  const portId = req.params.port_id ?? '';
  const port = ctx.state.ports[portId];
  if (!port) throw notFound(portId);
  validateStatus(req.body ?? {});
  const data = req.body?.data as JsonObject;
  const code = data.code as string;
  const timestamp = gregorianNow(ctx);
  port.status = {
    code,
    source: typeof data.source === 'string' ? data.source : 'top',
    forced_update: true,
    timestamp,
  };
  touch(ctx, port);
  if (DEVICE_UPDATING.has(code)) recordOnDevices(ctx, port, code, timestamp);
  return { data: publicView(port), revision: port._rev, mutated: true };
}

export const portRoutes: RouteDef[] = [
  { method: 'POST', path: '/v2/support/ports/poll', level: 'master', handler: poll },
  { method: 'POST', path: '/v2/support/ports/in/:port_id/status', level: 'master', handler: setStatus },
];
