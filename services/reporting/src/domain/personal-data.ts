/**
 * Field names that hold personal data (of citizens, or of the staff a subscription names) or
 * secrets, compared without case, spaces, "_" or "-". The portals' own Vietnamese names are
 * here because they arrive unchanged in some records.
 */
const PERSONAL_NAMES = new Set(
  [
    'applicant',
    'petitioner',
    'fullName',
    'name',
    'idNumber',
    'phone',
    'email',
    'address',
    'birthDate',
    'ChuHoSo',
    'SoGiayTo',
    'HoTen',
    'SoCMND',
    'SoCCCD',
    'SoDinhDanh',
    'SoDienThoai',
    'DienThoai',
    'DiaChi',
    'NgaySinh',
    'url',
    'secret',
    'token',
    'password',
    'apiKey',
    'authorization',
  ].map((n) => normalise(n)),
);
/** Parts that mark a personal or secret field whatever surrounds them (`contactEmail`, `webhookSecret`). */
const PERSONAL_PARTS = ['email', 'phone', 'address', 'secret', 'token', 'password', 'dienthoai', 'diachi', 'giayto', 'dinhdanh'];

const MAX_DEPTH = 8;

function normalise(name: string): string {
  return name.toLowerCase().replace(/[\s_-]/g, '');
}

export function isPersonalField(name: string): boolean {
  const n = normalise(name);
  return PERSONAL_NAMES.has(n) || PERSONAL_PARTS.some((p) => n.includes(p));
}

/**
 * A copy of free-form data (an audit entry's details, whose shape each writer chooses) without
 * personal or secret fields at any depth. Facts of known types go through the allow-list of
 * `publicData` instead; this is for data no allow-list can describe.
 */
export function withoutPersonalData(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== 'object') return typeof value === 'function' || typeof value === 'symbol' ? null : value;
  if (depth >= MAX_DEPTH) return null;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => withoutPersonalData(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    if (isPersonalField(k) || k === '__proto__') continue;
    out[k] = withoutPersonalData(v, depth + 1);
  }
  return out;
}
