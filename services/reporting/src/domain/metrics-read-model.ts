import type { ListedSubject, SubjectRecord } from '@tthc/metrics';
import type { AgencyScope } from './agency-scope';

export type { AgencyScope } from './agency-scope';

export interface Page<T> {
  total: number;
  items: T[];
}

export interface DossierListQuery {
  /** Exact: every subject of these agencies is listed and counted, and no other. */
  scope: AgencyScope;
  procedureCode?: string;
  subject?: 'dossier' | 'petition';
  overdue?: boolean;
  /**
   * At risk as the forecast counts it: open, not yet overdue, and either warned by the SLA
   * service or due before `atRiskDueBefore` (the end of the period looked at).
   */
  atRisk?: boolean;
  atRiskDueBefore?: Date;
  page: number;
  pageSize: number;
  /** Where the previous page ended; the page starts right after it and `page` is not read. */
  after?: DossierCursor;
}

/** A position in the open-subject list (due instant as stored, then code). */
export interface DossierCursor {
  dueAt: Date | string | null;
  code: string;
}

export interface CalendarAuditQuery {
  calendarId?: string;
  page: number;
  pageSize: number;
}

export interface CalendarAuditView {
  _id: string;
  calendarId: string;
  fromVersion: string | null;
  toVersion: string;
  appliedAt: string;
  /** Served as workflow stored each entry; the agency decides who sees it. */
  affected: Array<{ code: string; agencyCode: string | null; [field: string]: unknown }>;
  unchangedOpenCount: number;
}

/** Reads of the collections written by workflow; reporting never writes them. */
export interface MetricsReadModel {
  /**
   * The candidates of periods within `[openSince, end)`: subjects received before `end` and
   * not closed before `openSince`.
   */
  subjectsFor(window: { openSince: Date; end: Date }, scope: AgencyScope): Promise<SubjectRecord[]>;
  /** Open subjects, most urgent due date first; `next` is where the following page starts (null on the last). */
  listOpenSubjects(q: DossierListQuery): Promise<Page<ListedSubject> & { next: DossierCursor | null }>;
  /**
   * The first `limit` rows of the same list, in batches as the store sends them, and the size of
   * the whole list. `total` is read beside the rows: await it, or a failed count goes unheard.
   */
  openSubjectBatches(q: Omit<DossierListQuery, 'page' | 'pageSize' | 'after'>, limit: number): { total: Promise<number>; batches: AsyncIterable<ListedSubject[]> };
  listCalendarAudits(q: CalendarAuditQuery): Promise<Page<CalendarAuditView>>;
}
