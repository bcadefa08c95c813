import { z } from 'zod';
import { dutyId } from '@tthc/contracts';
import type { CatalogIssue } from '../catalog.errors';

/** Period lengths a duty may recur at; periods are aligned on the year (H1/H2, quarters, …). */
export const DUTY_PERIOD_MONTHS = [1, 3, 6, 12] as const;
export type DutyPeriodMonths = (typeof DUTY_PERIOD_MONTHS)[number];

/** Levels a duty may apply to, as the agency directory names them. */
export const DUTY_LEVELS = ['ministry', 'province', 'commune'] as const;

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max);
const version = z.string().regex(/^[A-Za-z0-9._-]{1,32}$/, 'must be 1–32 letters, digits, dots, hyphens or underscores');

/**
 * One recurring obligation: what must be done (in Vietnamese and English), on which legal
 * ground, how often, and by which agencies (by level, by code, or both).
 */
export const dutySchema = z.object({
  id: dutyId,
  /** Changes whenever the duty's content changes; each period records the version it follows. */
  version,
  title: z.object({ vi: text(300), en: text(300) }),
  legalBasis: text(500),
  everyMonths: z.union(DUTY_PERIOD_MONTHS.map((m) => z.literal(m)) as [z.ZodLiteral<1>, z.ZodLiteral<3>, z.ZodLiteral<6>, z.ZodLiteral<12>], {
    message: `must be one of ${DUTY_PERIOD_MONTHS.join(', ')}`,
  }),
  appliesTo: z
    .object({
      levels: z.array(z.enum(DUTY_LEVELS)).default([]),
      agencies: z.array(text(64)).default([]),
    })
    .refine((a) => a.levels.length > 0 || a.agencies.length > 0, { message: 'must name at least one level or agency' }),
  /** First local day the duty is followed; periods ending before it are never opened. */
  effectiveFrom: z.iso.date({ message: 'must be a date YYYY-MM-DD' }),
  /** Raise the warning before the period ends, and escalate after it, like case deadlines. */
  warn: z.boolean().default(true),
  escalate: z.boolean().default(true),
});
export type Duty = z.infer<typeof dutySchema>;

export const dutiesFileSchema = z
  .object({
    /** `sample` for the shipped file: the duties of the seeds, not an official list. */
    label: z.string().default(''),
    /** The file's version; recorded on every period opened under it. */
    version,
    duties: z.array(dutySchema).min(1, 'must list at least one duty'),
  })
  .superRefine((file, ctx) => {
    const seen = new Set<string>();
    file.duties.forEach((d, i) => {
      if (seen.has(d.id)) ctx.addIssue({ code: 'custom', path: ['duties', i, 'id'], message: `duty ${d.id} is listed twice` });
      seen.add(d.id);
    });
  });
export type DutiesFile = z.infer<typeof dutiesFileSchema>;

export type DutiesCheck = { ok: true; file: DutiesFile } | { ok: false; issues: CatalogIssue[] };

/** Validates a duties file and names every bad field (`duties[0].everyMonths: …`). */
export function checkDuties(json: unknown): DutiesCheck {
  const parsed = dutiesFileSchema.safeParse(json);
  if (parsed.success) return { ok: true, file: parsed.data };
  return {
    ok: false,
    issues: parsed.error.issues.map((i) => ({ field: i.path.map((p, k) => (typeof p === 'number' ? `[${p}]` : `${k === 0 ? '' : '.'}${String(p)}`)).join('') || '(root)', message: i.message })),
  };
}
