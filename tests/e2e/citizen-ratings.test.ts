import { randomUUID } from 'node:crypto';
import { cloudEventRecord, DOSSIER_RATED_V1 } from '@tthc/contracts';
import { collectTopic, dossierCode, probeProducer, receivedEvent, waitFor, type KafkaProbe } from '@tthc/testkit';
import { lifecycleEvent } from './support/lifecycle-events';
import { getJson, OTHER_PORTAL_KEY, PORTAL_KEY, postEvents, REFORM_KEY, startStack, type Stack } from './support/stack';

/**
 * Citizens' ratings and petitions naming dossiers (issue #15 point 3) through the real stack:
 * intake validates and scope-checks them, Kafka carries them, workflow stores them in the
 * dossier's or petition's history, and reporting's satisfaction sub-score counts them.
 */
const AGENCY = 'G01.002.000';
const run = randomUUID().slice(0, 6);

interface SubScoreItem {
  id: string;
  score: number;
  source?: string;
  inputs: Record<string, number | string | null>;
}

function rated(code: string, level: string, agencyCode = AGENCY, id = `rating-${code}-${level}-${run}`) {
  const at = new Date(Date.now() - 1000).toISOString();
  return { specversion: '1.0' as const, id, source: 'urn:portal:e2e-ratings', type: DOSSIER_RATED_V1, time: at, data: { dossierCode: code, agencyCode, occurredAt: at, level, channel: 'portal' } };
}

describe('citizens’ ratings and petition links on the real stack', () => {
  let stack: Stack;
  let states: KafkaProbe;
  let deadLetters: KafkaProbe;
  const disliked = dossierCode(AGENCY);
  const complainedOf = dossierCode(AGENCY);
  // A code without the TT 04/2025 shape names no agency: only workflow can tell whose it is.
  const plainCode = `HS-RATE-${run}`;
  jest.setTimeout(120_000);

  beforeAll(async () => {
    stack = await startStack();
    states = await collectTopic(stack.kafka, stack.topics.dossierState);
    deadLetters = await collectTopic(stack.kafka, stack.topics.deadLetter);
    const now = Date.now();
    const receptions = [disliked, complainedOf, plainCode].map((code) =>
      receivedEvent({ dossierCode: code, agencyCode: AGENCY, receivedAt: new Date(now - 60_000).toISOString(), appointmentAt: new Date(now + 5 * 86_400_000).toISOString() }),
    );
    expect((await postEvents(stack, receptions)).status).toBe(202);
  });
  afterAll(async () => {
    await states?.stop();
    await deadLetters?.stop();
    await stack?.stop();
  });

  const record = async (path: string) => (await getJson(`${stack.reportingUrl}${path}`, REFORM_KEY)).body as Record<string, unknown> & { ratings: unknown[]; history: Array<{ type: string; data: Record<string, unknown> }> };
  const satisfaction = async (agency = AGENCY) => {
    const res = await getJson(`${stack.reportingUrl}/v1/index/subscores?agency=${agency}`, REFORM_KEY);
    return (res.body.items as SubScoreItem[]).find((i) => i.id === '766.satisfaction')!;
  };

  test('when a citizen dislikes a dossier, then the rating is stored without touching status or deadlines and the sub-score moves from the proxy to ratings', async () => {
    const before = await waitFor('three dossiers counted, satisfaction still the proxy', async () => {
      const item = await satisfaction();
      const counted = await getJson(`${stack.reportingUrl}/v1/metrics/late-cases?agency=${AGENCY}`, REFORM_KEY);
      return (counted.body.totals as { toHandle?: number }).toHandle === 3 && item;
    });
    expect(before).toMatchObject({ source: 'proxy', score: 6 });
    const stateBefore = await record(`/v1/dossiers/${disliked}`);

    expect((await postEvents(stack, rated(disliked, 'dissatisfied'))).status).toBe(202);
    const stored = await waitFor('the rating in the dossier', async () => {
      const r = await record(`/v1/dossiers/${disliked}`);
      return r.ratings.length === 1 && r;
    });
    expect(stored.ratings).toEqual([{ ratedAt: expect.any(String), level: 'dissatisfied', channel: 'portal' }]);
    expect(stored.history.map((h) => h.type)).toEqual(['vn.tthc.dossier.received', DOSSIER_RATED_V1]);
    for (const field of ['status', 'statusCode', 'dueAt', 'deadlines', 'findings', 'classification'] as const) expect(stored[field]).toEqual(stateBefore[field]);

    // The sub-score is read from reporting's counters, which follow the state topic: they may
    // count the rating a moment after workflow has stored it.
    const after = await waitFor('the rating counted in the sub-score', async () => {
      const item = await satisfaction();
      return item.source === 'ratings' && item;
    });
    // Nothing late; 1 of the 3 dossiers to handle disliked: 6 × (100 − 33.33) % / 90 %.
    expect(after).toMatchObject({ source: 'ratings', score: 4.44, inputs: { toHandle: 3, ratings: 1, ratedDossiers: 1, dislikedDossiers: 1, petitionDossiers: 0, petitionOrDislikePercent: 33.33, ratedSatisfiedPercent: 0 } });
  });

  test('when the same rating arrives again, through intake or redelivered on Kafka, then it is counted once', async () => {
    const again = await postEvents(stack, rated(disliked, 'dissatisfied'));
    expect(again.body).toMatchObject({ results: [{ status: 'duplicate' }] });

    // A redelivery past intake: workflow sees the same source and id and keeps one fact.
    const revision = (code: string) => states.messages.filter((m) => m.value.subject === code).map((m) => String(m.value.id));
    const seenBefore = revision(disliked).length;
    const producer = probeProducer(stack.kafka);
    await producer.connect();
    await producer.send({ topic: stack.topics.dossierEvents, acks: -1, messages: [cloudEventRecord(disliked, rated(disliked, 'dissatisfied'))] });
    await producer.disconnect();
    // Workflow republishes the unchanged state for a duplicate: same revision, same id.
    const ids = await states.waitFor('the state republished after the redelivery', () => revision(disliked).length > seenBefore && revision(disliked));
    expect(new Set(ids.slice(-2)).size).toBe(1);

    expect((await record(`/v1/dossiers/${disliked}`)).ratings).toHaveLength(1);
    expect((await satisfaction()).inputs).toMatchObject({ ratings: 1, ratedDossiers: 1, dislikedDossiers: 1 });
  });

  test('when a key of another agency rates a dossier, then intake refuses it or workflow dead-letters it, and nothing is counted', async () => {
    // Naming the dossier's agency, or a TT 04/2025 code of it: refused at the door.
    const asOwner = await postEvents(stack, rated(complainedOf, 'dissatisfied'), { key: OTHER_PORTAL_KEY });
    expect(asOwner.status).toBe(403);
    const ownAgency = await postEvents(stack, rated(complainedOf, 'dissatisfied', 'G99.001.000'), { key: OTHER_PORTAL_KEY });
    expect(ownAgency.status).toBe(403);
    expect(ownAgency.body).toMatchObject({ errors: [{ pointer: '/data/dossierCode' }] });

    // A plain code passes intake under the key's own agency; workflow knows the dossier is G01.002.000's.
    const forged = rated(plainCode, 'very-dissatisfied', 'G99.001.000');
    expect((await postEvents(stack, forged, { key: OTHER_PORTAL_KEY })).status).toBe(202);
    const letter = await deadLetters.waitFor('the forged rating dead-lettered', (ms) => ms.find((m) => String(m.value.data?.['value'] ?? '').includes(forged.id)));
    expect(letter.value.data).toMatchObject({ errorCode: 'not-owner' });
    expect((await record(`/v1/dossiers/${plainCode}`)).ratings).toEqual([]);
    expect((await satisfaction()).inputs).toMatchObject({ ratedDossiers: 1, dislikedDossiers: 1 });
  });

  test('when a petition names a dossier, then its case record shows the link and it counts against the dossier’s agency', async () => {
    const petition = `PAKN-RATE-${run}`;
    // Received by another agency of the same key: the complaint still counts for the dossier's.
    const submitted = lifecycleEvent(petition, 1, 'vn.tthc.petition.received', new Date(Date.now() - 1000), { concernsDossierCode: complainedOf, channel: 'online' }, 'G01.001.000');
    expect((await postEvents(stack, submitted, { key: PORTAL_KEY })).status).toBe(202);
    const shown = await waitFor('the petition’s case record', async () => {
      const res = await getJson(`${stack.reportingUrl}/v1/petitions/${petition}`, PORTAL_KEY);
      return res.status === 200 && res.body;
    });
    expect(shown).toMatchObject({ subject: 'petition', concernsDossierCode: complainedOf, history: [{ type: 'vn.tthc.petition.received', data: expect.objectContaining({ concernsDossierCode: complainedOf }) }] });

    const counted = await waitFor('the petition in the satisfaction inputs', async () => {
      const item = await satisfaction();
      return item.inputs['petitionDossiers'] === 1 && item;
    });
    // 2 of 3 dossiers with a petition or a dislike: 6 × (100 − 66.67) % / 90 %.
    expect(counted).toMatchObject({ source: 'ratings', score: 2.22, inputs: { dislikedDossiers: 1, petitionDossiers: 1, dossiersWithPetitionOrDislike: 2, petitionOrDislikePercent: 66.67 } });
    // The receiving agency has no rated dossier of its own: still the proxy there.
    expect(await satisfaction('G01.001.000')).toMatchObject({ source: 'proxy' });
  });
});
