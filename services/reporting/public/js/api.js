/* global document, sessionStorage, URLSearchParams */
// Calls the reporting API with the key the user typed. Errors become ApiError with a message
// in plain words (problem+json details are kept as technical detail, never shown alone).
import { has, t } from './i18n.js';

const KEY_STORAGE = 'tthc.dashboard.apiKey';

export function getKey() {
  try {
    return sessionStorage.getItem(KEY_STORAGE);
  } catch {
    return null;
  }
}

export function setKey(key) {
  try {
    if (key) sessionStorage.setItem(KEY_STORAGE, key);
    else sessionStorage.removeItem(KEY_STORAGE);
  } catch {
    // Without storage the key lives only as long as this page.
  }
  memoryKey = key || null;
}

let memoryKey = null;

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem ?? null;
  }

  /** The sentence shown to the user. */
  plain() {
    const s = this.status;
    if (s === 0) return t('error.network');
    if (s === 400) {
      // The API's own wording is English and technical; each bad parameter is named in the
      // reader's language instead, and the original stays available as technical detail.
      const names = [...new Set((this.problem?.errors ?? []).map((e) => String(e.pointer ?? '').replace(/^\/query\//, '').split('/')[0]))];
      const fields = names.map((name) => (has(`error.field.${name}`) ? t(`error.field.${name}`) : t('error.field.other', { name }))).join('; ');
      return t('error.400', { fields: fields || this.problem?.title || '' });
    }
    if (s === 401 || s === 403 || s === 404 || s === 429) return t(`error.${s}`);
    if (s >= 500) return t('error.5xx');
    return t('error.other', { status: s });
  }

  technical() {
    const p = this.problem;
    if (!p) return null;
    return [p.title, p.detail].filter(Boolean).join(' — ') || null;
  }
}

export function query(params) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) {
    if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

async function request(path, accept) {
  const key = getKey() ?? memoryKey;
  let res;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${key ?? ''}`, accept } });
  } catch {
    throw new ApiError(0, null);
  }
  if (!res.ok) {
    let problem = null;
    try {
      problem = await res.json();
    } catch {
      // A proxy's HTML error page: the status alone says enough.
    }
    throw new ApiError(res.status, problem);
  }
  return res;
}

export async function getJson(path) {
  const res = await request(path, 'application/json');
  return res.json();
}

/**
 * Downloads an export through fetch (the key travels in a header, which a plain link cannot
 * send) and hands it to the browser as a file.
 */
export async function download(path, fallbackName) {
  const res = await request(path, '*/*');
  const blob = await res.blob();
  const name = fileNameOf(res.headers.get('content-disposition')) ?? fallbackName;
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

function fileNameOf(disposition) {
  if (!disposition) return null;
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition);
  if (star) return decodeURIComponent(star[1]);
  const plain = /filename="?([^";]+)"?/i.exec(disposition);
  return plain ? plain[1] : null;
}
