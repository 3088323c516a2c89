/** Initiator GUIDs: stable per machine and user, since cameras pair with a GUID. */
import { createHash } from 'node:crypto';
import { hostname, userInfo } from 'node:os';

/** The default initiator GUID: the same on every run for this machine and user. */
export function defaultGuid(): Uint8Array {
  let user = '';
  try {
    user = userInfo().username;
  } catch {
    // no passwd entry (some containers): the host name alone still gives a stable value
  }
  return new Uint8Array(createHash('sha256').update(`ptpts:${hostname()}:${user}`).digest().subarray(0, 16));
}

/** Parses a GUID given as 32 hex digits (dashes allowed), or passes bytes through. */
export function parseGuid(guid: string | Uint8Array): Uint8Array {
  if (guid instanceof Uint8Array) {
    if (guid.length !== 16) throw new RangeError('a GUID is 16 bytes');
    return guid;
  }
  const hex = guid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`"${guid}" is not a GUID (32 hex digits)`);
  return Uint8Array.from(hex.match(/../g)!.map((b) => parseInt(b, 16)));
}

/** Formats a GUID as 32 lowercase hex digits. */
export function formatGuid(guid: Uint8Array): string {
  return [...guid].map((b) => b.toString(16).padStart(2, '0')).join('');
}
