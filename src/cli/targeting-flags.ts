/** `--only REF…` and `--exclude REF…`: plan, apply and drift narrowed to some resources (src/core/plan/targeting.ts). */
import { Flags } from '@oclif/core';

export const targetingFlags = {
  only: Flags.string({
    description:
      'only the changes of this resource, <kind>/<key> (globs * and ?; a live id also matches); repeatable. What they need first comes along',
    multiple: true,
  }),
  exclude: Flags.string({
    description:
      'leave out the changes of this resource, <kind>/<key> (globs allowed); repeatable; wins over --only',
    multiple: true,
  }),
};

/** drift's: the same REFs, which only filter what drift reports (nothing is carried out). */
export const driftTargetingFlags = {
  only: Flags.string({
    description:
      'report only the findings of this resource, <kind>/<key> (globs * and ?; a live id also matches); repeatable',
    multiple: true,
  }),
  exclude: Flags.string({
    description:
      'leave out the findings of this resource, <kind>/<key> (globs allowed); repeatable; wins over --only',
    multiple: true,
  }),
};
