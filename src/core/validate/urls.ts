/**
 * Credentials written into a URL (`https://user:password@host`). A target's URL is for the
 * server's address: credentials there would sit in git and in every output that shows the URL,
 * so they are an error (url_credentials), and any URL quoted in a message or shown in a source
 * line has them masked.
 */
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import type { ParsedFile } from './types.js';
import { recordAt, stringAt } from './values.js';

/**
 * `scheme://` then anything up to the last `@` before whitespace: that is what a URL parser
 * takes for user information (a password may even hold a `/` or a second `@`).
 */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s]*@/gi;

/** Whether a URL carries a user name or password. */
export function hasUserinfo(url: string): boolean {
  USERINFO.lastIndex = 0;
  return USERINFO.test(url);
}

/** The text with the user information of every URL in it replaced by `********`. */
export function maskUserinfo(text: string): string {
  return text.includes('@') ? text.replace(USERINFO, '$1********@') : text;
}

/** The names of targets whose `url` holds credentials. */
export function targetsWithCredentials(value: Record<string, unknown>): string[] {
  return Object.entries(recordAt(value, 'targets')).flatMap(([name, target]) => {
    const url = stringAt(target, 'url');
    return url !== undefined && hasUserinfo(url) ? [name] : [];
  });
}

/** url_credentials problems of targets.yaml, at each offending value. */
export function urlCredentialProblems(file: ParsedFile): Problem[] {
  return targetsWithCredentials(file.value).map((name) => {
    const path = ['targets', name, 'url'];
    const text =
      'the URL holds credentials (before the @); remove them and name the variables that hold them instead: api_key_env, or user_env and password_env';
    return problemAt(file, path, 'url_credentials', fieldMessage(path, text));
  });
}
