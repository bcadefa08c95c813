import mongoose, { type Connection } from 'mongoose';
import { loadCatalogFile, SAMPLE_CATALOG_PATH } from '@tthc/catalog';
import { importCatalog } from '@tthc/catalog/storage';
import { COLLECTIONS, DOSSIER_STATE_CHANGED_V1, cloudEventRecord, topicsFor, type DossierStateChangedV1 } from '@tthc/contracts';
import { probeKafka, probeProducer, requireEnv, uniqueName, waitFor, withDatabase, type ControllableClock } from '@tthc/testkit';
import { createApp, type ReportingDeps } from '../src/app';
import { NAMED_REVISION_SPAN } from '../src/data-access/delay-counters.mongo';
import { loadConfig } from '../src/config';

export const REFORM = 'reform-all-key';
export const PROVINCE = 'reform-g01-key';
export const MANAGER = 'manager-g01-key';
export const PORTAL = 'portal-g01-key';
/** A reform office of one agency only: narrower than its province. */
export const NARROW_REFORM = 'reform-g01-001-key';
/** The manager of a commune that took over a pre-July-2025 district (sample directory). */
export const COMMUNE_MANAGER = 'manager-g01-101-key';
export const API_KEYS = [
  `${REFORM}:*`,
  `${PROVINCE}:G01.*:reform-office`,
  `${MANAGER}:G01.001.000:agency-manager`,
  `${PORTAL}:G01.001.000`,
  `${NARROW_REFORM}:G01.001.000:reform-office`,
  `${COMMUNE_MANAGER}:G01.101.000:agency-manager`,
].join(';');
export const ALL_KEYS = [REFORM, PROVINCE, MANAGER, PORTAL, NARROW_REFORM, COMMUNE_MANAGER];

const d = (iso: string | null) => (iso === null ? null : new Date(iso));

/** Personal data seeded into histories; none of it may ever appear in a response. */
export const PII = {
  applicantName: 'Nguyễn Văn A',
  applicantId: '001099012345',
  applicantPhone: '0912345678',
  applicantEmail: 'nguyenvana@example.vn',
  portalOwner: 'Trần Thị Chủ Hồ Sơ',
  portalIdNumber: '079188000111',
  portalAddress: 'Số 1 Phố Huế, Hà Nội',
  petitionerName: 'Lê Thị Kiến Nghị',
  petitionerId: '001299000222',
  petitionerPhone: '0987654321',
  petitionerEmail: 'lethikiennghi@example.vn',
  petitionTitle: 'Ông hàng xóm Phạm Văn Ồn hát karaoke',
  deskReason: 'Bà Hoàng Thị Lý chưa nộp bản sao',
};

/** A document as workflow stores it: flat state fields as Dates, the whole state beside them. */
export function stored(f: {
  code: string;
  subject?: 'dossier' | 'petition';
  agencyCode?: string | null;
  procedureCode?: string | null;
  receivedAt: string;
  dueAt: string;
  endAt?: string;
  timeliness?: string;
  overdue?: boolean;
  atRisk?: boolean;
  apologies?: string[];
  steps?: Array<{ stepNo: number; agencyCode: string; name: string; dueAt: string; completedAt: string | null }>;
  history?: Array<Record<string, unknown>>;
}) {
  const closed = f.endAt !== undefined;
  return {
    _id: f.code,
    code: f.code,
    subject: f.subject ?? 'dossier',
    revision: 3,
    history: f.history ?? [{ id: 'e1', type: 'vn.tthc.dossier.received', data: { applicant: { fullName: PII.applicantName, idNumber: PII.applicantId } } }],
    agencyCode: f.agencyCode === undefined ? 'G01.001.000' : f.agencyCode,
    procedureCode: f.procedureCode === undefined ? 'P1' : f.procedureCode,
    phase: closed ? 'closed' : 'open',
    statusCode: closed ? 10 : 4,
    receivedAt: d(f.receivedAt),
    dueAt: d(f.dueAt),
    closedAt: d(f.endAt ?? null),
    endAt: d(f.endAt ?? null),
    timeliness: f.timeliness ?? null,
    overdue: f.overdue ?? false,
    atRisk: f.atRisk ?? false,
    paused: false,
    deadlines: [],
    state: {
      apologies: (f.apologies ?? []).map((issuedAt) => ({ issuedAt, newAppointmentAt: issuedAt, valid: true, flag: null, channels: ['sms'] })),
      steps: (f.steps ?? []).map((s) => ({ ...s, assignedAt: f.receivedAt, allottedHours: 8, timeliness: null, overdue: false })),
      lateAgencies: [],
    },
    updatedAt: new Date(),
  };
}

/** The dossiers and petitions every reporting API test reads (see metrics-api.test.ts for the counts). */
export const DOCS = [
  // G01.001.000 in February 2026 (Tết 14–22/02): see packages/metrics delay-counts.test.ts.
  stored({
    code: 'A',
    receivedAt: '2026-01-20T09:00:00+07:00',
    dueAt: '2026-02-05T17:00:00+07:00',
    overdue: true,
    apologies: ['2026-02-04T10:00:00+07:00'],
    steps: [
      { stepNo: 1, agencyCode: 'G01.001.000', name: 'Thẩm định', dueAt: '2026-01-22T17:00:00+07:00', completedAt: '2026-01-22T10:00:00+07:00' },
      { stepNo: 2, agencyCode: 'G01.002.000', name: 'Lấy ý kiến Sở Xây dựng', dueAt: '2026-02-03T17:00:00+07:00', completedAt: null },
    ],
    // A received fact with the applicant as the event schema has it, and a portal record's own
    // fields nested where no schema puts them.
    history: [
      {
        id: 'e1',
        source: 'urn:portal:hn',
        type: 'vn.tthc.dossier.received',
        time: '2026-01-20T09:00:00+07:00',
        occurredAt: '2026-01-20T09:00:00+07:00',
        data: {
          dossierCode: 'A',
          procedureCode: 'P1',
          agencyCode: 'G01.001.000',
          receivedAt: '2026-01-20T09:00:00+07:00',
          channel: 'direct',
          applicant: { fullName: PII.applicantName, idNumber: PII.applicantId, phone: PII.applicantPhone, email: PII.applicantEmail },
          portal: { ChuHoSo: PII.portalOwner, SoGiayTo: PII.portalIdNumber, DiaChi: PII.portalAddress, HoSoKemTheo: [{ HoTen: PII.portalOwner, SoCMND: PII.portalIdNumber }] },
        },
      },
      {
        id: 'e2',
        source: 'urn:portal:hn',
        type: 'vn.tthc.dossier.supplement-requested',
        time: '2026-01-21T09:00:00+07:00',
        occurredAt: '2026-01-21T09:00:00+07:00',
        data: { dossierCode: 'A', agencyCode: 'G01.001.000', occurredAt: '2026-01-21T09:00:00+07:00', reason: PII.deskReason, SoDinhDanh: PII.portalIdNumber },
      },
      {
        id: 'e3',
        source: 'urn:portal:hn',
        type: 'vn.tthc.dossier.step-assigned',
        time: '2026-01-21T10:00:00+07:00',
        occurredAt: '2026-01-21T10:00:00+07:00',
        data: { dossierCode: 'A', agencyCode: 'G01.001.000', occurredAt: '2026-01-21T10:00:00+07:00', stepNo: 2, stepAgencyCode: 'G01.002.000', stepName: 'Lấy ý kiến Sở Xây dựng', fullName: PII.applicantName },
      },
    ],
  }),
  stored({ code: 'B', receivedAt: '2026-01-25T09:00:00+07:00', dueAt: '2026-02-10T17:00:00+07:00', endAt: '2026-03-03T09:00:00+07:00', timeliness: 'late' }),
  stored({ code: 'C', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-12T17:00:00+07:00', endAt: '2026-02-11T10:00:00+07:00', timeliness: 'early' }),
  stored({ code: 'D', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: '2026-02-25T14:00:00+07:00', endAt: '2026-02-25T11:00:00+07:00', timeliness: 'on-time' }),
  stored({ code: 'E', receivedAt: '2026-02-13T14:00:00+07:00', dueAt: '2026-02-25T14:00:00+07:00', endAt: '2026-02-26T09:00:00+07:00', timeliness: 'late' }),
  stored({ code: 'G', receivedAt: '2026-02-20T09:00:00+07:00', dueAt: '2026-03-12T17:00:00+07:00', atRisk: true }),
  stored({
    code: 'I',
    subject: 'petition',
    procedureCode: null,
    receivedAt: '2026-02-03T09:00:00+07:00',
    dueAt: '2026-02-24T17:00:00+07:00',
    endAt: '2026-02-23T09:00:00+07:00',
    timeliness: 'on-time',
    history: [
      {
        id: 'p1',
        source: 'urn:portal:hn',
        type: 'vn.tthc.petition.received',
        time: '2026-02-03T09:00:00+07:00',
        occurredAt: '2026-02-03T09:00:00+07:00',
        data: {
          petitionCode: 'I',
          agencyCode: 'G01.001.000',
          occurredAt: '2026-02-03T09:00:00+07:00',
          title: PII.petitionTitle,
          field: 'Môi trường',
          channel: 'online',
          petitioner: { fullName: PII.petitionerName, idNumber: PII.petitionerId, phone: PII.petitionerPhone, email: PII.petitionerEmail },
        },
      },
    ],
  }),
  // Another province: never visible to G01 keys.
  stored({ code: 'Z1', agencyCode: 'G02.001.000', receivedAt: '2026-02-02T09:00:00+07:00', dueAt: '2026-02-04T17:00:00+07:00', overdue: true }),
  stored({ code: 'Z2', agencyCode: 'G02.001.000', receivedAt: '2026-02-03T09:00:00+07:00', dueAt: '2026-02-27T17:00:00+07:00', endAt: '2026-02-26T17:00:00+07:00', timeliness: 'on-time' }),
];

/** An open petition with a petitioner, for the open lists (the seeded petition I is closed). */
export const OPEN_PETITION = stored({
  code: 'PAKN-OPEN',
  subject: 'petition',
  procedureCode: null,
  receivedAt: '2026-03-02T09:00:00+07:00',
  dueAt: '2026-03-05T17:00:00+07:00',
  overdue: true,
  history: [
    {
      id: 'p2',
      source: 'urn:portal:hn',
      type: 'vn.tthc.petition.received',
      time: '2026-03-02T09:00:00+07:00',
      occurredAt: '2026-03-02T09:00:00+07:00',
      data: { petitionCode: 'PAKN-OPEN', agencyCode: 'G01.001.000', occurredAt: '2026-03-02T09:00:00+07:00', title: PII.petitionTitle, petitioner: { fullName: PII.petitionerName, phone: PII.petitionerPhone } },
    },
  ],
});

export interface Reply {
  status: number;
  type: string;
  raw: Buffer;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- response bodies are asserted field by field
  body: any;
  headers: Headers;
}

type StoredDoc = ReturnType<typeof stored> | (Record<string, unknown> & { _id: string });

const isoOrNull = (v: unknown) => (v instanceof Date ? v.toISOString() : typeof v === 'string' ? new Date(v).toISOString() : null);

/** The state snapshot workflow publishes after storing `doc` (the counters read only its code and revision). */
export function snapshotOf(doc: StoredDoc): DossierStateChangedV1 {
  const d = doc as Record<string, unknown>;
  return {
    dossierCode: String(d['_id']),
    agencyCode: (d['agencyCode'] as string | null | undefined) ?? null,
    procedureCode: (d['procedureCode'] as string | null | undefined) ?? null,
    phase: (d['phase'] as DossierStateChangedV1['phase']) ?? 'open',
    statusCode: typeof d['statusCode'] === 'number' ? d['statusCode'] : null,
    receivedAt: isoOrNull(d['receivedAt']),
    dueAt: isoOrNull(d['dueAt']),
    deadlineVersion: 1,
    closedAt: isoOrNull(d['closedAt']),
    revision: typeof d['revision'] === 'number' ? d['revision'] : 1,
    subject: d['subject'] === 'petition' ? 'petition' : 'dossier',
    deadlines: [],
    paused: d['paused'] === true,
    endAt: isoOrNull(d['endAt']),
    timeliness: (d['timeliness'] as DossierStateChangedV1['timeliness']) ?? null,
  };
}

export interface ReportingUnderTest {
  url: string;
  mongo: Connection;
  /** Sends state snapshots to the service's topic, in the order given (duplicates and older revisions too). */
  publishSnapshots(snapshots: readonly DossierStateChangedV1[]): Promise<void>;
  /** Waits until the counters hold these subjects at their stored revisions. */
  awaitCounted(codes: readonly string[]): Promise<void>;
  /** Stores subjects as workflow does (the document, then its snapshot) and waits until they are counted. */
  storeSubjects(docs: readonly StoredDoc[]): Promise<void>;
  get(path: string, key?: string, headers?: Record<string, string>): Promise<Reply>;
  stop(): Promise<void>;
}

/**
 * The reporting service against the real MongoDB and Redis, in a database of its own with the
 * sample catalog, the dossiers above and a calendar audit; `env` overrides its configuration.
 */
export async function startReporting(
  opts: {
    name: string;
    clock?: ControllableClock;
    env?: Record<string, string>;
    seed?: boolean;
    /** Subjects stored before the service first starts: its first start counts them. */
    storedBefore?: ReadonlyArray<Record<string, unknown>>;
    serviceMongoUrl?: (url: string) => string;
    wrapReadModel?: ReportingDeps['wrapReadModel'];
  } = { name: 'reporting' },
): Promise<ReportingUnderTest> {
  const mongoUrl = withDatabase(requireEnv('MONGO_URL'), uniqueName(opts.name));
  const namespace = uniqueName(opts.name);
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    PORT: '0',
    // The service may reach the same database another way (through a relay the test can cut).
    MONGO_URL: opts.serviceMongoUrl ? opts.serviceMongoUrl(mongoUrl) : mongoUrl,
    REDIS_URL: requireEnv('REDIS_URL'),
    REDIS_KEY_PREFIX: uniqueName(opts.name),
    // Topics and a consumer group of its own: the counters hear only this test's snapshots.
    KAFKA_BROKERS: requireEnv('KAFKA_BROKERS'),
    KAFKA_TOPIC_NAMESPACE: namespace,
    CONSUMER_GROUP: `${namespace}-reporting`,
    KAFKA_PARTITIONS: '2',
    API_KEYS,
    ...opts.env,
  });
  const app = createApp(config, { ...(opts.clock ? { clock: opts.clock } : {}), ...(opts.wrapReadModel ? { wrapReadModel: opts.wrapReadModel } : {}) });
  const mongo = await mongoose.createConnection(mongoUrl).asPromise();
  if (opts.seed !== false) {
    await mongo.collection(COLLECTIONS.dossiers).insertMany(DOCS as never[]);
    // An older document: dates as ISO strings, no state, no subject.
    await mongo.collection(COLLECTIONS.dossiers).insertOne({ _id: 'OLD-1', agencyCode: 'G01.002.000', procedureCode: 'P9', phase: 'open', receivedAt: '2026-02-16T02:00:00.000Z', dueAt: '2026-02-18T02:00:00.000Z', overdue: true } as never);
    await mongo.collection(COLLECTIONS.calendarAudits).insertOne({
      _id: 'vn-civil-service@abc@2026-02-01T00:00:00.000Z',
      calendarId: 'vn-civil-service',
      fromVersion: 'old111111111',
      toVersion: 'abc',
      appliedAt: new Date('2026-02-01T00:00:00Z'),
      affected: [
        { code: 'A', subject: 'dossier', agencyCode: 'G01.001.000', oldDueAt: '2026-02-04T17:00:00+07:00', newDueAt: '2026-02-05T17:00:00+07:00', deadlineKeys: ['dossier'] },
        { code: 'Z1', subject: 'dossier', agencyCode: 'G02.001.000', oldDueAt: null, newDueAt: null, deadlineKeys: ['dossier'] },
      ],
      unchangedOpenCount: 4,
    } as never);
    await importCatalog(mongo, loadCatalogFile(SAMPLE_CATALOG_PATH));
  }
  if (opts.storedBefore?.length) await mongo.collection(COLLECTIONS.dossiers).insertMany(opts.storedBefore.map((d) => ({ ...d })) as never[]);
  const { url } = await app.start();
  const producer = probeProducer(probeKafka(requireEnv('KAFKA_BROKERS')));
  await producer.connect();
  const stateTopic = topicsFor(namespace).dossierState;
  const publishSnapshots = async (snapshots: readonly DossierStateChangedV1[]) => {
    const messages = snapshots.map((data, i) =>
      cloudEventRecord(data.dossierCode, { specversion: '1.0', id: `state:${data.dossierCode}:r${data.revision}:${i}`, source: 'urn:tthc:workflow', type: DOSSIER_STATE_CHANGED_V1, time: new Date().toISOString(), subject: data.dossierCode, data }),
    );
    await producer.send({ topic: stateTopic, acks: -1, messages });
  };
  const awaitCounted = async (codes: readonly string[]) => {
    const dossiers = mongo.collection(COLLECTIONS.dossiers);
    const contributions = mongo.collection(COLLECTIONS.reportingContributions);
    await waitFor(
      `the counters to hold ${codes.length} subject(s)`,
      async () => {
        const want = await dossiers.find({ _id: { $in: [...codes] } } as never, { projection: { revision: 1 } }).toArray();
        const have = new Map((await contributions.find({ _id: { $in: [...codes] } } as never).toArray()).map((c) => [String(c._id), c]));
        return want.every((d) => {
          const c = have.get(String(d._id));
          // The revision counted also orders the dossier a subject names (`storedSubjects`): the subject's own is its high part.
          // A claim carries its part until the counters took it (`parts`; `pending` on documents an older version wrote):
          // before that the contribution holds the revision and the counters do not yet.
          const unsettled = (Array.isArray(c?.['parts']) && c['parts'].length > 0) || c?.['pending'] !== undefined;
          return c !== undefined && Math.floor(c['revision'] / NAMED_REVISION_SPAN) >= (typeof d['revision'] === 'number' ? d['revision'] : 0) && !unsettled;
        });
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    );
  };
  return {
    url,
    mongo,
    publishSnapshots,
    awaitCounted,
    async storeSubjects(docs) {
      await mongo.collection(COLLECTIONS.dossiers).insertMany(docs as never[]);
      await publishSnapshots(docs.map(snapshotOf));
      await awaitCounted(docs.map((d) => String(d._id)));
    },
    async get(path, key = REFORM, headers = {}) {
      const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${key}`, ...headers } });
      const type = res.headers.get('content-type') ?? '';
      const raw = Buffer.from(await res.arrayBuffer());
      const body = type.includes('json') ? JSON.parse(raw.toString('utf8')) : null;
      return { status: res.status, type, raw, body, headers: res.headers };
    },
    async stop() {
      await producer.disconnect();
      await app.stop();
      await mongo.dropDatabase().catch(() => undefined);
      await mongo.close();
    },
  };
}

/** Splits RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else if (c !== '\r') cell += c;
  }
  return rows;
}
