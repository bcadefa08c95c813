import {
  jsonResponse,
  keyedErrorResponses,
  keyedServiceDocument,
  operationalPaths,
  pathParameter,
  problemResponse,
  problemSchema,
  queryParameters,
  schemaRef as ref,
  zodJsonSchema,
  type JsonSchema,
} from '@tthc/platform';
import { createSubscriptionSchema, listQuery } from './subscription.routes';

const nullableString = { type: ['string', 'null'] };
const html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const SUBSCRIPTION_ID = { type: 'string', pattern: '^sub_[0-9a-f]{18}$' };

// The request schema is the route's own; private webhook addresses are a deployment setting
// (WEBHOOK_ALLOW_PRIVATE_NETWORKS), checked at run time, so the document shows the public shape.
const newSubscription = zodJsonSchema(createSubscriptionSchema({ allowPrivateNetworks: false }));

const subscriptionChannel: JsonSchema = {
  oneOf: [
    { type: 'object', required: ['type', 'address'], additionalProperties: false, properties: { type: { const: 'email' }, address: { type: 'string', format: 'email' } } },
    {
      type: 'object',
      required: ['type', 'url', 'secret'],
      additionalProperties: false,
      properties: { type: { const: 'webhook' }, url: { type: 'string', format: 'uri' }, secret: { type: 'string', description: 'whsec_…: shown once when created, whsec_*** afterwards' } },
    },
  ],
};

const schemas: Record<string, JsonSchema> = {
  Problem: problemSchema,
  NewSubscription: { ...newSubscription, description: 'Who is told about which alerts, through which channel. agencyCode "*" is the whole province (reform office); agencies narrows the scope.' },
  Subscription: {
    type: 'object',
    required: ['id', 'name', 'role', 'agencyCode', 'kinds', 'agencies', 'channel', 'language', 'calendarId', 'digest', 'createdAt', 'createdByKeyId'],
    additionalProperties: false,
    properties: {
      id: SUBSCRIPTION_ID,
      name: { type: 'string' },
      role: { enum: ['agency-manager', 'agency-head', 'reform-office'], description: 'the escalation level the recipient stands at' },
      agencyCode: { type: 'string' },
      kinds: { type: 'array', items: { type: 'string' } },
      agencies: { type: 'array', items: { type: 'string' } },
      channel: subscriptionChannel,
      language: { enum: ['vi', 'en'] },
      calendarId: { type: 'string' },
      digest: { type: 'boolean' },
      createdAt: { type: 'string', format: 'date-time' },
      createdByKeyId: nullableString,
    },
  },
  Acknowledgement: {
    type: 'object',
    required: ['alertId', 'ackedAt', 'ackedBy', 'notifiedLevel'],
    additionalProperties: false,
    properties: {
      alertId: { type: 'string' },
      ackedAt: { anyOf: [{ type: 'string', format: 'date-time' }, { type: 'null' }] },
      ackedBy: { ...nullableString, description: 'key:<id> or the recipient of the mailed link' },
      notifiedLevel: { type: 'integer', minimum: 0, description: 'highest escalation level notified' },
    },
  },
};

const alertId = pathParameter('id', 'alert id as delivered (<kind>:<code>:<deadline key>:v<n>)', { type: 'string', minLength: 1, maxLength: 300 });
const subscriptionId = pathParameter('id', 'subscription id', SUBSCRIPTION_ID);
const managerErrors = keyedErrorResponses('The key is a portal key (only agency-manager and reform-office keys manage subscriptions), or the subscription lies outside its agencies');
// A person following a mailed link gets a page; a tool gets problem details.
const linkProblem = (description: string) => ({ description, content: { 'application/problem+json': { schema: ref('Problem') }, 'text/html': { schema: { type: 'string' } } } });
const linkProblems = {
  '400': linkProblem('The link has no token'),
  '403': linkProblem('The token is invalid, expired, or its recipient unsubscribed'),
  '404': linkProblem('No such alert'),
};

/** OpenAPI 3.1 description of the notifier API, served at /openapi.json without a key. */
export const openApiDocument = {
  ...keyedServiceDocument(
    'notifier',
    'Subscriptions say who is told about warnings, overdue and escalation alerts (e-mail, or webhooks signed per Standard Webhooks: webhook-id, webhook-timestamp, webhook-signature v1 HMAC-SHA256), in Vietnamese or English, with a daily digest. An unacknowledged overdue alert climbs from agency manager to agency head to reform office; acknowledging it stops the climb. Acknowledge with an agency-manager or reform-office key, or through the link mailed to a recipient: GET shows a confirmation page and changes nothing (mail scanners prefetch links), its form POST acknowledges.',
    schemas,
  ),
  paths: {
    '/v1/subscriptions': {
      get: {
        operationId: 'listSubscriptions',
        summary: 'Subscriptions the key may manage',
        description: 'Webhook secrets are masked.',
        parameters: queryParameters(listQuery),
        responses: {
          '200': jsonResponse('The subscriptions', { type: 'object', required: ['items'], additionalProperties: false, properties: { items: { type: 'array', items: ref('Subscription') } } }),
          '400': problemResponse('Invalid query'),
          ...managerErrors,
        },
      },
      post: {
        operationId: 'createSubscription',
        summary: 'Create a subscription',
        description: 'Within the key\'s agencies; an agency-manager key may not subscribe to every agency nor manage reform-office subscriptions. Webhook URLs must be public http(s) addresses without credentials. A webhook secret is generated when none is given and shown only in this answer.',
        requestBody: { required: true, content: { 'application/json': { schema: ref('NewSubscription') } } },
        responses: {
          '201': {
            ...jsonResponse('Created; Location names it', ref('Subscription')),
            headers: { Location: { description: '/v1/subscriptions/{id}', schema: { type: 'string' } } },
          },
          '400': problemResponse('Invalid subscription; every bad field is named by a JSON pointer'),
          '409': problemResponse('The key already created MAX_SUBSCRIPTIONS_PER_KEY subscriptions'),
          '413': problemResponse('Body larger than 64 KiB'),
          '415': problemResponse('Send UTF-8 JSON'),
          ...managerErrors,
        },
      },
    },
    '/v1/subscriptions/{id}': {
      get: {
        operationId: 'getSubscription',
        summary: 'One subscription',
        parameters: [subscriptionId],
        responses: { '200': jsonResponse('The subscription', ref('Subscription')), '404': problemResponse('No such subscription visible to this key'), ...managerErrors },
      },
      delete: {
        operationId: 'deleteSubscription',
        summary: 'Delete a subscription',
        description: 'Its recipients\' mailed acknowledgement links stop working.',
        parameters: [subscriptionId],
        responses: { '204': { description: 'Deleted' }, '404': problemResponse('No such subscription visible to this key'), ...managerErrors },
      },
    },
    '/v1/alerts/{id}/ack': {
      get: {
        operationId: 'showAcknowledgementPage',
        summary: 'The mailed link: a confirmation page',
        description: 'Changes nothing. Answers HTML to a browser and problem+json to tools when the link is bad. No caching, no referrer.',
        security: [],
        parameters: [alertId, { name: 'token', in: 'query', required: true, description: 'the signed token of the mailed link', schema: { type: 'string', maxLength: 200 } }],
        responses: { '200': html('The confirmation page with its form'), ...linkProblems },
      },
      post: {
        operationId: 'acknowledgeAlert',
        summary: 'Acknowledge an alert',
        description:
          'With an agency-manager or reform-office key covering the alert\'s agency (JSON answer), or as the link page\'s form (application/x-www-form-urlencoded with token, HTML answer). Acknowledging twice changes nothing.',
        security: [{ bearer: [] }, {}],
        parameters: [alertId],
        requestBody: {
          required: false,
          content: { 'application/x-www-form-urlencoded': { schema: { type: 'object', required: ['token'], properties: { token: { type: 'string', maxLength: 200 } } } } },
        },
        responses: {
          '200': { description: 'Acknowledged (or already)', content: { 'application/json': { schema: ref('Acknowledgement') }, 'text/html': { schema: { type: 'string' } } } },
          '400': linkProblems['400'],
          '401': problemResponse('Missing or unknown API key'),
          '403': linkProblems['403'],
          '404': linkProblems['404'],
          '429': problemResponse("Over the key's rate limit; retry after the Retry-After delay"),
        },
      },
    },
    ...operationalPaths('Ready when MongoDB, Redis and Kafka answer and alert consumption runs; "degraded" (200) while jobs lost with Redis are rebuilt from MongoDB.'),
  },
};
