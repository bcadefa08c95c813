/** What the reporting API shows of a dossier. Personal data of the applicant is left out. */
export interface DossierView {
  code: string;
  agencyCode: string | null;
  procedureCode: string | null;
  status: string;
  statusCode: number | null;
  receivedAt: string | null;
  dueAt: string | null;
  overdue: boolean;
  overdueAt: string | null;
  closedAt: string | null;
  history: HistoryEntryView[];
}

export interface HistoryEntryView {
  id: string;
  source: string;
  type: string;
  time: string;
  occurredAt: string;
  data: Record<string, unknown>;
}

export interface AlertView {
  id: string;
  type: string;
  dossierCode: string;
  agencyCode: string | null;
  dueAt: string;
  raisedAt: string;
}

export interface AlertQuery {
  agencies: readonly string[] | '*';
  /** Agency code prefixes (`G01.` from a `G01.*` key) reached besides `agencies`. */
  agencyPrefixes?: readonly string[];
  dossierCode?: string;
  type?: string;
  since?: Date;
  limit: number;
}

export interface ReportingReadModel {
  findDossier(code: string): Promise<DossierView | null>;
  listAlerts(q: AlertQuery): Promise<AlertView[]>;
}

/** Strips personal fields from a stored fact before it leaves the service. */
export function publicData(data: Record<string, unknown>): Record<string, unknown> {
  const { applicant: _applicant, ...rest } = data;
  return rest;
}
