/**
 * A copy of `value` as `JSON.parse(JSON.stringify(value))` would give it, without the text in
 * between: members holding `undefined`, functions or symbols are left out, such array items
 * become null, non-finite numbers null, and anything with `toJSON` (a Date) its answer. Stores
 * write `undefined` as null and read back something else, so documents are copied this way
 * before a write; the round trip through text was the largest single cost of workflow's write.
 */
export function jsonCopy<T>(value: T): T {
  return copy(value) as T;
}

const dropped = (v: unknown) => v === undefined || typeof v === 'function' || typeof v === 'symbol';

function copy(v: unknown): unknown {
  // -0 is written as 0.
  if (typeof v === 'number') return Number.isFinite(v) ? v + 0 : null;
  if (v === null || typeof v !== 'object') return v;
  const toJSON = (v as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') return copy(toJSON.call(v));
  if (Array.isArray(v)) return v.map((item: unknown) => (dropped(item) ? null : (copy(item) ?? null)));
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(v)) {
    const item = (v as Record<string, unknown>)[key];
    if (dropped(item)) continue;
    // A `toJSON` may answer undefined: the member is then left out as well.
    const copied = copy(item);
    if (copied !== undefined) out[key] = copied;
  }
  return out;
}
