/** Port-in operations of the support API (master level): poll the carrier, force a status. */
import type { PortStatusUpdate } from '../../api/types.js';
import { InvalidInputError } from '../../core/errors.js';
import { PORT_STATUS_CODES, PORT_STATUS_SOURCES } from '../../core/support/shapes.js';
import { idInput } from '../../core/support/input.js';
import { sendChange, type ChangeInput, type SupportResult } from './session.js';

/** `ports poll`: the server reads the carrier's port messages now. */
export function pollPorts(input: ChangeInput & { showSecrets: boolean }): Promise<SupportResult<unknown>> {
  return sendChange(input, ({ conn }) => conn.client.pollPorts());
}

export interface PortStatusInput extends ChangeInput {
  portId: string;
  code: string;
  source?: string | undefined;
  showSecrets: boolean;
}

/** `ports status`: forces a port request's status (a typo is refused here, not by the server). */
export async function setPortStatus(
  input: PortStatusInput,
): Promise<SupportResult<unknown> & { portId: string }> {
  const portId = idInput('PORT_ID', input.portId);
  if (!(PORT_STATUS_CODES as readonly string[]).includes(input.code)) {
    throw new InvalidInputError(
      `--code ${JSON.stringify(input.code)}: one of ${PORT_STATUS_CODES.join(', ')}`,
    );
  }
  if (input.source !== undefined && !(PORT_STATUS_SOURCES as readonly string[]).includes(input.source)) {
    throw new InvalidInputError(
      `--source ${JSON.stringify(input.source)}: one of ${PORT_STATUS_SOURCES.join(', ')}`,
    );
  }
  const status: PortStatusUpdate = {
    code: input.code,
    ...(input.source === undefined ? {} : { source: input.source }),
  };
  const result = await sendChange(input, ({ conn }) => conn.client.setPortStatus(portId, status));
  return { ...result, portId };
}
