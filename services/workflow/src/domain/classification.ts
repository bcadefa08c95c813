/**
 * Portal classification of a dossier, step or petition deadline (docs/legal-rules.md rules 8, 9,
 * 11). Pure functions over instants, kept apart from the history walk so the rules read as the
 * methodology states them.
 */
import type { DeadlineStatus, Timeliness } from '@tthc/contracts';

const ms = (iso: string) => Date.parse(iso);

/**
 * "Đúng hạn" is end ≤ due (766 methodology); "trước hạn" is only shown as the strict part of it,
 * because its legal definition is unconfirmed.
 */
export function classify(endAt: string, dueAt: string): Timeliness {
  const end = ms(endAt);
  const due = ms(dueAt);
  return end < due ? 'early' : end === due ? 'on-time' : 'late';
}

export function settledStatus(timeliness: Timeliness): DeadlineStatus {
  return timeliness === 'late' ? 'missed' : 'met';
}

export type ClosingKind = 'resolved' | 'returned' | 'other';

/**
 * NgayKetThucXuLy takes "Đã xử lý xong" (9) over "Đã trả kết quả" (10) over the other closing
 * states: a dossier resolved on time and handed back later is still on time.
 */
const PRIORITY: Record<ClosingKind, number> = { resolved: 3, returned: 2, other: 1 };

export interface Closing {
  kind: ClosingKind;
  /** The end instant this closing stands for (the request time when it closed while paused). */
  endAt: string;
}

/** The end instant among the closings of one closed episode: highest priority, then earliest. */
export function endInstant(closings: readonly Closing[]): string | null {
  let best: Closing | null = null;
  for (const c of closings) {
    if (best === null || PRIORITY[c.kind] > PRIORITY[best.kind] || (PRIORITY[c.kind] === PRIORITY[best.kind] && ms(c.endAt) < ms(best.endAt))) best = c;
  }
  return best?.endAt ?? null;
}
