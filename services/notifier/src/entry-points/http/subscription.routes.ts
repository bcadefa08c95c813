import { randomBytes } from 'node:crypto';
import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { alertKind } from '@tthc/contracts';
import { canAccessAgency, principalOf, problemType, sendProblem, type Principal } from '@tthc/platform';
import { ROLES, type Subscription, type SubscriptionRepository } from '../../domain/notification';

const agencyCode = z.string().trim().min(1).max(64);
// Standard Webhooks secrets: `whsec_` and base64 of 24 to 64 random bytes.
const webhookSecret = z.string().superRefine((s, ctx) => {
  if (!/^whsec_[A-Za-z0-9+/]+={0,2}$/.test(s)) ctx.addIssue({ code: 'custom', message: 'must be whsec_ followed by base64' });
  else if (Buffer.from(s.slice(6), 'base64').length < 24) ctx.addIssue({ code: 'custom', message: 'must hold at least 24 random bytes' });
});

const createSubscription = z
  .object({
    name: z.string().trim().min(1).max(200),
    role: z.enum(ROLES),
    agencyCode: z.union([z.literal('*'), agencyCode]),
    kinds: z.array(alertKind).max(10).default([]),
    agencies: z.array(agencyCode).max(500).default([]),
    channel: z.discriminatedUnion('type', [
      z.object({ type: z.literal('email'), address: z.email() }),
      z.object({
        type: z.literal('webhook'),
        url: z.url({ protocol: /^https?$/ }),
        secret: webhookSecret.optional(),
      }),
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

const pointer = (path: PropertyKey[]) => `/${path.map(String).join('/')}`;

/** Secrets are shown once, when created; lists show only that one exists. */
function publicView(s: Subscription, revealSecret = false) {
  const channel = s.channel.type === 'webhook' ? { type: 'webhook', url: s.channel.url, ...(revealSecret ? { secret: s.channel.secret } : { secret: 'whsec_***' }) } : s.channel;
  return { ...s, channel };
}

const visible = (p: Principal, s: Subscription) => (s.agencyCode === '*' ? p.agencies === '*' : canAccessAgency(p, s.agencyCode));

export function subscriptionRouter(deps: { subscriptions: SubscriptionRepository; knownCalendar(id: string): boolean; defaultCalendarId: string; now(): Date }): Router {
  const router = Router();

  router.get('/v1/subscriptions', async (_req: Request, res: Response) => {
    const p = principalOf(res);
    const items = await deps.subscriptions.list({ agencies: p.agencies === '*' ? '*' : [...p.agencies] });
    res.json({ items: items.filter((s) => visible(p, s)).map((s) => publicView(s)) });
  });

  router.post('/v1/subscriptions', async (req: Request, res: Response) => {
    const parsed = createSubscription.safeParse(req.body);
    if (!parsed.success) {
      sendProblem(res, {
        type: problemType('invalid-subscription'),
        title: 'Invalid subscription',
        status: 400,
        errors: parsed.error.issues.map((i) => ({ pointer: pointer(i.path), detail: i.message })),
      });
      return;
    }
    const body = parsed.data;
    const calendarId = body.calendarId ?? deps.defaultCalendarId;
    if (!deps.knownCalendar(calendarId)) {
      sendProblem(res, { type: problemType('invalid-subscription'), title: 'Invalid subscription', status: 400, errors: [{ pointer: '/calendarId', detail: `unknown calendar ${calendarId}` }] });
      return;
    }
    const p = principalOf(res);
    const scopeOk = body.agencyCode === '*' ? p.agencies === '*' : canAccessAgency(p, body.agencyCode);
    if (!scopeOk) {
      sendProblem(res, { type: problemType('forbidden'), title: 'Forbidden', status: 403, detail: `This key may not subscribe to agency ${body.agencyCode}.` });
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
    };
    await deps.subscriptions.insert(sub);
    res.status(201).location(`/v1/subscriptions/${sub.id}`).json(publicView(sub, true));
  });

  router.get('/v1/subscriptions/:id', async (req: Request<{ id: string }>, res: Response) => {
    const sub = await deps.subscriptions.find(req.params.id);
    if (!sub || !visible(principalOf(res), sub)) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No subscription ${req.params.id} visible to this key.` });
      return;
    }
    res.json(publicView(sub));
  });

  router.delete('/v1/subscriptions/:id', async (req: Request<{ id: string }>, res: Response) => {
    const sub = await deps.subscriptions.find(req.params.id);
    if (!sub || !visible(principalOf(res), sub)) {
      sendProblem(res, { type: problemType('not-found'), title: 'Not Found', status: 404, detail: `No subscription ${req.params.id} visible to this key.` });
      return;
    }
    await deps.subscriptions.remove(sub.id);
    res.status(204).end();
  });
  return router;
}
