import express from 'express';
import request from 'supertest';
import { createDashboardRouter } from '../../services/reporting/src/entry-points/http/dashboard.route';

// The router alone, in front of a stand-in for the key check: what the dashboard serves must
// load without a key, and nothing outside public/ may be reached through it.
function app() {
  const a = express();
  a.use(createDashboardRouter());
  a.use((_req, res) => {
    res.status(401).json({ status: 401 });
  });
  return a;
}

describe('dashboard static files', () => {
  test('when the site root or /dashboard is asked for, then it redirects to /dashboard/', async () => {
    const root = await request(app()).get('/');
    expect(root.status).toBe(302);
    expect(root.headers['location']).toBe('/dashboard/');
    const bare = await request(app()).get('/dashboard');
    expect(bare.status).toBe(301);
    expect(bare.headers['location']).toBe('/dashboard/');
  });

  test('when the page and its modules are fetched without a key, then they are served with a strict content security policy', async () => {
    const page = await request(app()).get('/dashboard/');
    expect(page.status).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.text).toContain('<script type="module" src="js/app.js">');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.headers['x-content-type-options']).toBe('nosniff');
    const mod = await request(app()).get('/dashboard/js/app.js');
    expect(mod.status).toBe(200);
    expect(mod.headers['content-type']).toMatch(/javascript/);
  });

  test('when the page is served, then it preloads exactly the modules app.js reaches, each of them served', async () => {
    const page = await request(app()).get('/dashboard/');
    const preloaded = [...page.text.matchAll(/<link rel="modulepreload" href="js\/([^"]+)">/g)].map((m) => m[1]!).sort();
    // The module graph as the browser walks it: static imports from app.js on.
    const reached = new Set<string>();
    const walk = async (file: string): Promise<void> => {
      const mod = await request(app()).get(`/dashboard/js/${file}`);
      expect([file, mod.status]).toEqual([file, 200]);
      for (const [, dep] of mod.text.matchAll(/^import [^;]+ from '\.\/([^']+)';/gm)) {
        if (!reached.has(dep!)) {
          reached.add(dep!);
          await walk(dep!);
        }
      }
    };
    await walk('app.js');
    expect(reached.size).toBeGreaterThan(0);
    expect(preloaded).toEqual([...reached].sort());
  });

  test('when a path climbs out of public/ or names a missing file, then the request falls through to the key check', async () => {
    for (const path of ['/dashboard/../package.json', '/dashboard/%2e%2e/package.json', '/dashboard/nope.js', '/v1/metrics/late-cases']) {
      const res = await request(app()).get(path);
      expect([path, res.status]).toEqual([path, 401]);
    }
  });
});
