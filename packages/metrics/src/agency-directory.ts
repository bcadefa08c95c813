import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { Period } from './period';

/**
 * Government levels for aggregation. Since 01/7/2025 (two-level local government, Luật Tổ
 * chức chính quyền địa phương 72/2025/QH15; docs/legal-rules.md §5, rule 15) statistics exist only
 * at ministry, province and commune level; `district` survives in historic data only.
 */
export const agencyLevel = z.enum(['ministry', 'province', 'commune', 'district']);
export type AgencyLevel = z.infer<typeof agencyLevel>;

const agencyEntry = z.object({
  code: z.string().min(1),
  name: z.string().min(1),
  level: agencyLevel,
  province: z.string().min(1).nullable().default(null),
  /** For a pre-July-2025 district unit: the agency that took over its dossiers. */
  successor: z.string().min(1).nullable().default(null),
});
export type AgencyEntry = z.infer<typeof agencyEntry>;

export const agencyDirectoryFile = z.object({
  /** `sample` for the shipped file: not an official list of agencies. */
  label: z.string().default(''),
  /** First local day of two-level government; periods ending after it map districts to successors. */
  twoLevelFrom: z.iso.date().default('2025-07-01'),
  agencies: z.array(agencyEntry),
});
export type AgencyDirectoryFile = z.input<typeof agencyDirectoryFile>;

export interface AgencyInfo {
  code: string;
  name: string | null;
  level: AgencyLevel | 'unknown';
  province: string | null;
}

export class AgencyDirectory {
  readonly label: string;
  private readonly byCode: Map<string, AgencyEntry>;
  private readonly twoLevelFrom: string;

  constructor(file: AgencyDirectoryFile) {
    const parsed = agencyDirectoryFile.parse(file);
    this.label = parsed.label;
    this.twoLevelFrom = parsed.twoLevelFrom;
    this.byCode = new Map(parsed.agencies.map((a) => [a.code, a]));
    for (const a of parsed.agencies) {
      if (a.successor && !this.byCode.has(a.successor)) throw new Error(`agency directory: ${a.code}.successor "${a.successor}" is not in the directory`);
    }
  }

  static empty(): AgencyDirectory {
    return new AgencyDirectory({ agencies: [] });
  }

  static fromFile(path: string): AgencyDirectory {
    const json = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    const parsed = agencyDirectoryFile.safeParse(json);
    if (!parsed.success) {
      throw new Error(`agency directory ${path}: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    }
    return new AgencyDirectory(parsed.data);
  }

  /**
   * The agency a dossier counts under in `period`: a district unit stays itself only in
   * periods that end on or before the first two-level day (compared as local dates), and
   * counts under its successor in any period that reaches past it.
   */
  effectiveCode(code: string, period: Pick<Period, 'end'>): string {
    let current = code;
    for (let hops = 0; hops < 5; hops++) {
      const entry = this.byCode.get(current);
      if (!entry || entry.level !== 'district' || !entry.successor) return current;
      if (period.end.slice(0, 10) <= this.twoLevelFrom) return current;
      current = entry.successor;
    }
    return current;
  }

  /** `code` and the historic units whose dossiers count under it (for store-side filters). */
  codesCountingAs(code: string): string[] {
    const out = [code];
    for (let i = 0; i < out.length; i++) {
      for (const a of this.byCode.values()) if (a.successor === out[i] && !out.includes(a.code)) out.push(a.code);
    }
    return out;
  }

  info(code: string): AgencyInfo {
    const e = this.byCode.get(code);
    return e ? { code, name: e.name, level: e.level, province: e.province } : { code, name: null, level: 'unknown', province: null };
  }

  list(): AgencyEntry[] {
    return [...this.byCode.values()];
  }
}
