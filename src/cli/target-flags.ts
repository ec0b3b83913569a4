/** `--dir` and `--target`: every command that talks to a server takes them. */
import { Flags } from '@oclif/core';

export const targetFlags = {
  dir: Flags.string({
    description: 'the config directory, whose targets.yaml names the servers [default: config]',
  }),
  target: Flags.string({
    description: 'the target in targets.yaml [default: KZOPS_TARGET, then the default: in targets.yaml]',
  }),
};

/** `--concurrency`: every command that reads or writes many documents takes it. */
export const concurrencyFlag = {
  concurrency: Flags.integer({
    description: 'requests to the server at once',
    default: 8,
    min: 1,
    max: 64,
  }),
};
