import type { FieldIssue } from './events/registry';

/**
 * CloudEvents HTTP protocol binding, binary content mode (spec 1.0, section 3.1): every context
 * attribute travels in a `ce-<name>` header, the data is the body and `content-type` is the
 * data's media type. This module only maps the transport; the event is validated afterwards like
 * a structured one, so both modes share every rule.
 */
export const BINARY_MODE_HEADER = 'ce-specversion';

const HEADER_PREFIX = 'ce-';
// CloudEvents attribute names: lower-case letters and digits, at most 20 characters.
const ATTRIBUTE_NAME = /^[a-z0-9]{1,20}$/;
// Attributes that have their own place in binary mode and must not come as ce- headers.
const NOT_A_HEADER = new Set(['data', 'data_base64', 'datacontenttype']);

export type HeaderBag = Readonly<Record<string, string | readonly string[] | undefined>>;

/** True when the request carries an event in binary mode (the spec's own test for it). */
export function isBinaryModeRequest(headers: HeaderBag): boolean {
  return headers[BINARY_MODE_HEADER] !== undefined;
}

export interface BinaryModeResult {
  /** The event as structured mode would carry it; `null` when a header could not be read. */
  event: Record<string, unknown> | null;
  issues: FieldIssue[];
}

/**
 * Rebuilds the event from the headers (lower-case names, as Node delivers them) and the parsed body.
 * Header values are percent-decoded (spec 3.1.3.2); a header sent twice or not decodable is an
 * issue naming that header.
 */
export function fromBinaryMode(headers: HeaderBag, data: unknown): BinaryModeResult {
  const event: Record<string, unknown> = Object.create(null) as Record<string, unknown>;
  const issues: FieldIssue[] = [];
  for (const [rawName, value] of Object.entries(headers)) {
    const header = rawName.toLowerCase();
    if (!header.startsWith(HEADER_PREFIX) || value === undefined) continue;
    const name = header.slice(HEADER_PREFIX.length);
    if (!ATTRIBUTE_NAME.test(name) || NOT_A_HEADER.has(name)) {
      issues.push({ pointer: `/${name}`, header, detail: NOT_A_HEADER.has(name) ? 'is not sent as a header in binary mode (the body is the data, content-type its type)' : 'is not a CloudEvents attribute name (a-z, 0-9, at most 20 characters)' });
      continue;
    }
    if (typeof value !== 'string') {
      issues.push({ pointer: `/${name}`, header, detail: 'must be sent once' });
      continue;
    }
    const decoded = percentDecode(value);
    if (decoded === null) issues.push({ pointer: `/${name}`, header, detail: 'is not valid percent-encoded UTF-8' });
    else event[name] = decoded;
  }
  const contentType = headers['content-type'];
  if (typeof contentType === 'string') event['datacontenttype'] = contentType.trim();
  event['data'] = data;
  return { event: issues.length ? null : { ...event }, issues };
}

/** The header a binary-mode issue is about: `/time` → `ce-time`, the data's fields stay body pointers. */
export function binaryModeHeaderOf(pointer: string): string | null {
  const first = /^\/([^/]+)/.exec(pointer)?.[1];
  if (first === undefined || first === 'data') return null;
  return first === 'datacontenttype' ? 'content-type' : `${HEADER_PREFIX}${first}`;
}

function percentDecode(value: string): string | null {
  if (!value.includes('%')) return value;
  try {
    return decodeURIComponent(value);
  } catch {
    return null;
  }
}
