import express from 'express';
import pino from 'pino';
import { createMetrics } from '../metrics';
import { createServiceHttp, finishServiceHttp, listen } from './service-http';

async function start() {
  const metrics = createMetrics('http-test');
  const app = createServiceHttp({ service: 'http-test', logger: pino({ level: 'silent' }), metrics, readiness: {} });
  app.post('/v1/things', express.json(), (req, res) => {
    res.status(201).json({ got: req.body });
  });
  app.get('/v1/things/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  finishServiceHttp(app, pino({ level: 'silent' }));
  return listen(app, 0);
}

describe('service HTTP', () => {
  test('when 800 junk paths are requested, then /metrics does not grow with them', async () => {
    const server = await start();
    try {
      for (let i = 0; i < 20; i++) await fetch(`${server.url}/junk-${i}`);
      await fetch(`${server.url}/v1/things/1`);
      // The first scrape creates the /metrics route's own series.
      await (await fetch(`${server.url}/metrics`)).text();
      const httpSeries = (text: string) => text.split('\n').filter((l) => l.startsWith('http_request_duration_seconds'));
      const before = httpSeries(await (await fetch(`${server.url}/metrics`)).text()).length;
      await Promise.all(Array.from({ length: 800 }, (_, i) => fetch(`${server.url}/wp-admin/${i}/x?${'q'.repeat(50)}`).then((r) => r.arrayBuffer())));
      await Promise.all(Array.from({ length: 50 }, (_, i) => fetch(`${server.url}/v1/things/${i}`).then((r) => r.arrayBuffer())));
      const text = await (await fetch(`${server.url}/metrics`)).text();
      expect(text).not.toContain('wp-admin');
      expect(text).toContain('route="/v1/things/:id"');
      expect(text).toContain('route="unmatched"');
      expect(httpSeries(text).length).toBe(before);
    } finally {
      await server.close();
    }
  });

  test('when a body is sent in latin1 or an unknown encoding, then the answer is 415 problem+json naming it', async () => {
    const server = await start();
    try {
      const latin1 = await fetch(`${server.url}/v1/things`, { method: 'POST', headers: { 'content-type': 'application/json; charset=latin1' }, body: '{"a":1}' });
      expect(latin1.status).toBe(415);
      expect(latin1.headers.get('content-type')).toContain('application/problem+json');
      expect(((await latin1.json()) as { detail: string }).detail).toContain('latin1');
      const encoded = await fetch(`${server.url}/v1/things`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'x-unheard-of' }, body: '{"a":1}' });
      expect(encoded.status).toBe(415);
      const utf8 = await fetch(`${server.url}/v1/things`, { method: 'POST', headers: { 'content-type': 'application/json; charset=utf-8' }, body: '{"a":"Hà Nội"}' });
      expect(await utf8.json()).toEqual({ got: { a: 'Hà Nội' } });
    } finally {
      await server.close();
    }
  });
});

describe('service HTTP when a dependency is down', () => {
  test('when a route fails because MongoDB does not answer, then the client gets 503 with Retry-After, not 500', async () => {
    const mongoose = await import('mongoose');
    const app = createServiceHttp({ service: 'http-test', logger: pino({ level: 'silent' }), metrics: createMetrics('http-test'), readiness: {} });
    const conn = mongoose.default.createConnection('mongodb://127.0.0.1:1/none', { serverSelectionTimeoutMS: 200 });
    conn.on('error', () => undefined);
    app.get('/v1/things', async (_req, res) => {
      res.json(await conn.collection('things').findOne({}));
    });
    app.get('/v1/bug', () => {
      throw new TypeError('a bug');
    });
    finishServiceHttp(app, pino({ level: 'silent' }));
    const server = await listen(app, 0);
    try {
      const down = await fetch(`${server.url}/v1/things`);
      expect(down.status).toBe(503);
      expect(down.headers.get('retry-after')).toBe('5');
      expect(((await down.json()) as { type: string }).type).toBe('urn:tthc:problem:unavailable');
      expect((await fetch(`${server.url}/v1/bug`)).status).toBe(500);
    } finally {
      await server.close();
      await conn.close().catch(() => undefined);
    }
  });
});
