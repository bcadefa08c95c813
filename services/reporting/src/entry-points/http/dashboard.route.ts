import path from 'node:path';
import express, { Router, type Response } from 'express';

/**
 * The dashboard is static (HTML, CSS, ES modules) and talks to the read API from the browser
 * with the user's key, so these files are served before the API-key check: the page has to
 * load to ask for the key. Both `src/entry-points/http` and `dist/entry-points/http` sit three
 * levels below the service root, so one relative path works from sources (jest) and the build.
 */
export const DASHBOARD_PUBLIC_DIR = path.resolve(__dirname, '../../../public');

// Everything is served from this origin (no CDN), so the policy can be strict; inline scripts
// and styles are never used.
const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

function setSecurityHeaders(res: Response): void {
  res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
  res.setHeader('x-content-type-options', 'nosniff');
  res.setHeader('referrer-policy', 'no-referrer');
}

export function createDashboardRouter(opts: { publicDir?: string } = {}): Router {
  const publicDir = opts.publicDir ?? DASHBOARD_PUBLIC_DIR;
  const router = Router();

  router.get('/', (_req, res) => {
    res.redirect(302, '/dashboard/');
  });
  // Without the trailing slash the page's relative URLs (app.js, styles.css) would resolve
  // against the site root. Routing is not strict, so this route also sees `/dashboard/`.
  router.get('/dashboard', (req, res, next) => {
    if (req.originalUrl.split('?')[0]!.endsWith('/')) {
      next();
      return;
    }
    res.redirect(301, '/dashboard/');
  });
  router.use(
    '/dashboard',
    express.static(publicDir, {
      index: 'index.html',
      redirect: false,
      fallthrough: true,
      dotfiles: 'ignore',
      // The files change with each deployment and are small; revalidating keeps a stale
      // module from mixing with a new one.
      cacheControl: true,
      maxAge: 0,
      setHeaders: (res) => setSecurityHeaders(res),
    }),
  );
  return router;
}
