import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { alertKind } from '@tthc/contracts';
import { canAccessAgency, principalOf, problemType, sendProblem, type Principal } from '@tthc/platform';
import type { AuditRecorder } from '../../domain/acknowledge-alert.use-case';
import { classifyWebhookHost } from '../../domain/egress-policy';
import { ROLES, type Subscription, type SubscriptionRepository } from '../../domain/notification';

const agencyCode = z.string().trim().min(1).max(64);
// Standard Webhooks secrets: `whsec_` and base64 of 24 to 64 random bytes.
const webhookSecret = z
  .string()
  .max(200)
  .superRefine((s, ctx) => {
    if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s)) ctx.addIssue({ code: 'custom', message: 'must be whsec_ followed by base64' });
    else if (Buffer.from(s.slice(6), 'base64').length < 24) ctx.addIssue({ code: 'custom', message: 'must hold at least 24 random bytes' });
  });
const SUBSCRIPTION_ID = /^sub_[0-9a-f]{18}$/;

function webhookUrl(allowPrivateNetworks: boolean) {
  return z
    .url({ protocol: /^https?$/ })
    .max(2048)
    .superRefine((text, ctx) => {
      // zod runs refinements even when the URL check above failed; that failure is reported already.
      if (!URL.canParse(text)) return;
      const url = new URL(text);
      // Lists show the URL to every key in scope; credentials in it would be shown with it.
      if (url.username || url.password) ctx.addIssue({ code: 'custom', message: 'must not contain credentials; authenticate the call with its signature' });
      if (allowPrivateNetworks) return;
      const verdict = classifyWebhookHost(url.hostname);
      if (!verdict.allowed) ctx.addIssue({ code: 'custom', message: `must be a public address; ${url.hostname} is ${verdict.range}` });
    });
}

export function createSubscriptionSchema(opts: { allowPrivateNetworks: boolean }) {
  return z
    .object({
      name: z.string().trim().min(1).max(200),
      role: z.enum(ROLES),
      agencyCode: z.union([z.literal('*'), agencyCode]),
      kinds: z.array(alertKind).max(10).default([]),
      agencies: z.array(agencyCode).max(500).default([]),
      channel: z.discriminatedUnion('type', [
        z.object({ type: z.literal('email'), address: z.email().max(254) }).strict(),
        z.object({ type: z.literal('webhook'), url: webhookUrl(opts.allowPrivateNetworks), secret: webhookSecret.optional() }).strict(),
      ]),
      language: z.enum(['vi', 'en']).default('vi'),
      calendarId: z.string().min(1).max(100).optional(),
      digest: z.boolean().default(true),
    })
    .strict()
    .superRefine((s, ctx) => {
      if (s.role === 'reform-office' || s.agencyCode === '*') return;
      const outside = s.agencies.filter((a) => a !== s.agencyCode);
      if (outside.length) ctx.addIssue({ code: 'custom', path: ['agencies'], message: `must stay within agencyCode ${s.agencyCode}` });
    });
}

export const listQuery = z.object({ agencyCode: z.union([z.literal('*'), agencyCode]).optional(), role: z.enum(ROLES).optional() }).strict();

const pointer = (path: PropertyKey[]) => `/${path.map(String).join('/')}`;
const invalid = (res: Response, title: string, issues: z.ZodError['issues'], prefix = '') =>
  sendProblem(res, { type: problemType('invalid-subscription'), title, status: 400, errors: issues.map((i) => ({ pointer: `${prefix}${pointer(i.path)}`, detail: i.message })) });

/** Secrets are shown once, when created; lists show only that one exists. */
function publicView(s: Subscription, revealSecret = false) {
  const channel = s.channel.type === 'webhook' ? { type: 'webhook', url: s.channel.url, ...(revealSecret ? { secret: s.channel.secret } : { secret: 'whsec_***' }) } : s.channel;
  return { ...s, channel };
}

/**
 * Why `p` may not manage (create, see, delete) a subscription of this shape, or null when it
 * may. The subscription's whole scope must lie within the key's, and an agency manager never
 * touches the reform office's subscriptions: those are how its own agency's lateness climbs
 * above it, and the monitored agency must not be able to silence them.
 */
function refusal(p: Principal, s: Pick<Subscription, 'agencyCode' | 'agencies' | 'role'>): string | null {
  if (p.role === 'agency-manager') {
    if (s.agencyCode === '*') return 'An agency-manager key may not subscribe to every agency.';
    if (s.role === 'reform-office') return 'An agency-manager key may not manage reform-office subscriptions.';
  }
  const inScope = s.agencyCode === '*' ? p.agencies === '*' : canAccessAgency(p, s.agencyCode);
  if (!inScope) return `This key does not cover agency ${s.agencyCode}.`;
  const outside = s.agencies.find((a) => !canAccessAgency(p, a));
  if (outside !== undefined) return `This key does not cover agency ${outside}.`;
  return null;
}

function auditDetails(s: Subscription): Record<string, unknown> {
  // Names and addresses are personal data; the audit keeps what the subscription does, not who it is.
  return {
    subscriptionRole: s.role,
    channel: s.channel.type,
    ...(s.channel.type === 'webhook' ? { webhookHost: new URL(s.channel.url).host } : {}),
    kinds: s.kinds,
    agencies: s.agencies,
  };
}

export interface SubscriptionRouteDeps {
  subscriptions: SubscriptionRepository;
  audit: AuditRecorder;
  knownCalendar(id: string): boolean;
  defaultCalendarId: string;
  maxPerKey: number;
  allowPrivateNetworks: boolean;
  now(): Date;
}

/** Mounted behind the key check, the rate limit and the agency-manager / reform-office role check. */
export function subscriptionRouter(deps: SubscriptionRouteDeps): Router {
  const router = Router();
  const createSubscription = createSubscriptionSchema({ allowPrivateNetworks: deps.allowPrivateNetworks });

  const notVisible = (res: Response, id: string) =>
    sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No subscription ${id.slice(0, 40)} visible to this key.` });

  /** The subscription if the key may manage it; otherwise it does not exist for this key. */
  async function findManaged(p: Principal, id: string): Promise<Subscription | null> {
    if (!SUBSCRIPTION_ID.test(id)) return null;
    const sub = await deps.subscriptions.find(id);
    return sub && refusal(p, sub) === null ? sub : null;
  }

  router.get('/v1/subscriptions', async (req: Request, res: Response) => {
    const query = listQuery.safeParse(req.query);
    if (!query.success) return invalid(res, 'Invalid query', query.error.issues, '/query');
    const p = principalOf(res);
    const items = await deps.subscriptions.list({
      agencies: p.agencies === '*' ? '*' : [...p.agencies],
      prefixes: [...p.agencyPrefixes],
      ...(query.data.agencyCode !== undefined ? { agencyCode: query.data.agencyCode } : {}),
      ...(query.data.role !== undefined ? { role: query.data.role } : {}),
    });
    res.json({ items: items.filter((s) => refusal(p, s) === null).map((s) => publicView(s)) });
  });

  router.post('/v1/subscriptions', async (req: Request, res: Response) => {
    const parsed = createSubscription.safeParse(req.body);
    if (!parsed.success) return invalid(res, 'Invalid subscription', parsed.error.issues);
    const body = parsed.data;
    const calendarId = body.calendarId ?? deps.defaultCalendarId;
    if (!deps.knownCalendar(calendarId)) {
      sendProblem(res, { type: problemType('invalid-subscription'), title: 'Invalid subscription', status: 400, errors: [{ pointer: '/calendarId', detail: `unknown calendar ${calendarId}` }] });
      return;
    }
    const p = principalOf(res);
    const refused = refusal(p, body);
    if (refused) {
      sendProblem(res, { type: problemType('forbidden'), title: 'Forbidden', status: 403, detail: refused });
      return;
    }
    // Counted, then inserted: concurrent creations by one key may pass the cap by a few, which
    // is harmless; the cap is against a key filling the store, not an exact quota.
    if ((await deps.subscriptions.countCreatedBy(p.keyId)) >= deps.maxPerKey) {
      sendProblem(res, {
        type: problemType('subscription-limit-reached'),
        title: 'Too many subscriptions',
        status: 409,
        detail: `This key already created ${deps.maxPerKey} subscriptions (MAX_SUBSCRIPTIONS_PER_KEY); delete one first.`,
      });
      return;
    }
    const sub: Subscription = {
      id: `sub_${randomBytes(9).toString('hex')}`,
      name: body.name,
      role: body.role,
      agencyCode: body.agencyCode,
      kinds: body.kinds,
      agencies: body.agencies,
      channel: body.channel.type === 'email' ? body.channel : { type: 'webhook', url: body.channel.url, secret: body.channel.secret ?? `whsec_${randomBytes(32).toString('base64')}` },
      language: body.language,
      calendarId,
      digest: body.digest,
      createdAt: deps.now(),
      createdByKeyId: p.keyId,
    };
    await deps.subscriptions.insert(sub);
    await deps.audit.record({ actor: `key:${p.keyId}`, role: p.role, action: 'subscription.created', target: sub.id, agencyCode: sub.agencyCode, details: auditDetails(sub) });
    res.status(201).location(`/v1/subscriptions/${sub.id}`).json(publicView(sub, true));
  });

  router.get('/v1/subscriptions/:id', async (req: Request<{ id: string }>, res: Response) => {
    const sub = await findManaged(principalOf(res), req.params.id);
    if (!sub) return notVisible(res, req.params.id);
    res.json(publicView(sub));
  });

  router.delete('/v1/subscriptions/:id', async (req: Request<{ id: string }>, res: Response) => {
    const p = principalOf(res);
    const sub = await findManaged(p, req.params.id);
    if (!sub) return notVisible(res, req.params.id);
    if (await deps.subscriptions.remove(sub.id)) {
      await deps.audit.record({ actor: `key:${p.keyId}`, role: p.role, action: 'subscription.deleted', target: sub.id, agencyCode: sub.agencyCode, details: auditDetails(sub) });
    }
    res.status(204).end();
  });
  return router;
}
