import fc from 'fast-check';
import { z } from 'zod';

/**
 * fast-check arbitraries derived from the zod schemas themselves (through their JSON Schema), so
 * the fuzz suite follows every field a schema gains without being edited.
 */
type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
};

const ALNUM = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz0123456789';
const TEXT = `${ALNUM}.-_ `;

function text(min: number, max: number): fc.Arbitrary<string> {
  const lo = Math.max(1, min);
  const hi = Math.max(lo, Math.min(max, 24));
  return fc
    .tuple(fc.constantFrom(...ALNUM), fc.string({ unit: fc.constantFrom(...TEXT), minLength: lo - 1, maxLength: hi - 1 }))
    .map(([first, rest]) => (first + rest).trimEnd().padEnd(lo, 'x'));
}

/** Instants a one-stop unit could really send: 2024 to 2027, in Vietnam time or UTC. */
export const realisticInstant = fc
  .tuple(fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 11, 31) }), fc.boolean())
  .map(([ms, vietnam]) => {
    const d = new Date(ms - (ms % 1000));
    if (!vietnam) return d.toISOString().replace('.000Z', 'Z');
    return `${new Date(ms - (ms % 1000) + 7 * 3600_000).toISOString().slice(0, 19)}+07:00`;
  });

function fromJsonSchema(s: JsonSchema): fc.Arbitrary<unknown> {
  if (s.const !== undefined) return fc.constant(s.const);
  if (s.enum) return fc.constantFrom(...s.enum);
  const union = s.anyOf ?? s.oneOf;
  if (union) return fc.oneof(...union.map(fromJsonSchema));
  if (s.allOf?.[0]) return fromJsonSchema(s.allOf[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  switch (type) {
    case 'string':
      if (s.format === 'date-time') return realisticInstant;
      if (s.format === 'email') return fc.emailAddress();
      if (s.format === 'uri') return fc.webUrl({ validSchemes: ['https'] });
      return text(s.minLength ?? 0, s.maxLength ?? 64);
    case 'integer':
      return fc.integer({ min: s.minimum ?? (s.exclusiveMinimum ?? -1) + 1, max: s.maximum ?? (s.exclusiveMaximum ?? 1000) - 1 });
    case 'number':
      return fc.double({ min: s.minimum ?? 0, max: s.maximum ?? 1000, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return fc.array(s.items ? fromJsonSchema(s.items) : fc.string(), { minLength: s.minItems ?? 0, maxLength: Math.min(s.maxItems ?? 3, 3) });
    case 'object': {
      const props = s.properties ?? {};
      const model: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [k, v] of Object.entries(props)) model[k] = fromJsonSchema(v);
      return fc.record(model, { requiredKeys: (s.required ?? []).filter((k) => k in props) });
    }
    case 'null':
      return fc.constant(null);
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** Values that the schema allows, as far as its JSON Schema can say (refinements may still refuse some). */
export function arbitraryOf(schema: z.ZodType): fc.Arbitrary<unknown> {
  return fromJsonSchema(z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema);
}

/** What attackers and broken clients send instead of a field's value. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom<unknown>(
    '',
    ' ',
    '\u0000',
    '__proto__',
    'constructor',
    'toString',
    '<script>alert(1)</script>',
    '../../etc/passwd',
    '$where',
    '{"$gt":""}',
    '9999-12-31T23:59:59Z',
    '0001-01-01T00:00:00Z',
    '1999-12-31T23:59:59+07:00',
    '2100-01-01T00:00:00Z',
    '2026-02-30T10:00:00+07:00',
    '2026-11-30 10:00',
    '20261330250000',
    '99991231235959',
    'NaN',
    '-1',
    '1e309',
    '𝕏🔥 Hà Nội ̈',
    null,
    true,
    false,
    0,
    -1,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER + 2,
    [],
    {},
    { $gt: '' },
    { $where: 'sleep(1000)' },
    [[[[[[[[[[[]]]]]]]]]]],
  ),
  fc.integer({ min: 1000, max: 300_000 }).map((n) => 'x'.repeat(n)),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.jsonValue({ maxDepth: 3 }),
);

/** A copy of `value` with one field (at any depth) replaced, removed, or a prototype key added. */
export function mutate(value: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(value);
  if (paths.length === 0) return hostileValue;
  return fc.tuple(fc.constantFrom(...paths), fc.constantFrom('replace', 'remove', 'proto'), hostileValue).map(([path, how, hostile]) => {
    const copy = structuredClone(value);
    if (path.length === 0) return hostile;
    const parent = path.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], copy) as Record<string, unknown>;
    const last = path[path.length - 1]!;
    if (how === 'remove') delete parent[last];
    else if (how === 'proto') Object.defineProperty(parent, '__proto__', { value: { polluted: true, [last]: hostile }, enumerable: true, configurable: true, writable: true });
    else parent[last] = hostile;
    return copy;
  });
}

function pathsOf(value: unknown, prefix: string[] = []): string[][] {
  if (value === null || typeof value !== 'object') return [prefix];
  const entries = Object.entries(value as Record<string, unknown>);
  return [prefix, ...entries.flatMap(([k, v]) => pathsOf(v, [...prefix, k]))];
}
