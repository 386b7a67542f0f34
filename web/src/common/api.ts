// The public REST API (/api/v1), and its errors turned into plain words.

import { t, has } from './i18n';
import type { ErrorCode } from '../api.gen';

/** A code the API gives (one list, generated from the API document), or
 * one of the client's own: the service unreachable (`network`), or an
 * answer that was not the API's envelope (`http_<status>`). */
export type ClientErrorCode = ErrorCode | 'network' | `http_${number}`;

export interface FieldProblem {
  field: string;
  code: ErrorCode;
  message: string;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public code: ClientErrorCode,
    message: string,
    public fields: FieldProblem[] = [],
    public details: unknown = undefined,
  ) {
    super(message);
  }

  /** Plain-language text for the error (from common.errors.<code>), the
   * server's message otherwise. */
  get plain(): string {
    if (has(`common.errors.${this.code}`)) return t(`common.errors.${this.code}`);
    if (this.status === 0) return t('common.errors.network');
    return this.message;
  }
}

/** Plain text for one field problem: common.fieldErrors.<field>.<code>, then
 * common.fieldErrors.<code>, then the code's own text (common.errors.<code>:
 * every code the API gives has one), then the server's message. */
export function fieldText(p: FieldProblem): string {
  if (has(`common.fieldErrors.${p.field}.${p.code}`)) return t(`common.fieldErrors.${p.field}.${p.code}`);
  if (has(`common.fieldErrors.${p.code}`)) return t(`common.fieldErrors.${p.code}`);
  if (has(`common.errors.${p.code}`)) return t(`common.errors.${p.code}`);
  return p.message;
}

let authToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

/** Staff console: the bearer token sent with every request, and what to do
 * when it is refused (show the login again). */
export function setAuth(token: string | null, unauthorized?: () => void): void {
  authToken = token;
  if (unauthorized) onUnauthorized = unauthorized;
}

export interface RequestOptions {
  method?: string;
  json?: unknown;
  form?: FormData;
  query?: Record<string, string | number | boolean | undefined | null>;
  signal?: AbortSignal;
}

export function url(path: string, query?: RequestOptions['query']): string {
  const u = new URL(path.startsWith('/') ? path : `/api/v1/${path}`, location.origin);
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined && v !== null && v !== '') u.searchParams.set(k, String(v));
  }
  return u.pathname + u.search;
}

async function send(path: string, opts: RequestOptions): Promise<Response> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  let body: BodyInit | undefined;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.form) {
    body = opts.form;
  }
  if (authToken) headers.Authorization = `Bearer ${authToken}`;
  let res: Response;
  try {
    res = await fetch(url(path, opts.query), {
      method: opts.method ?? (body ? 'POST' : 'GET'),
      headers,
      body,
      signal: opts.signal,
    });
  } catch (e) {
    if ((e as Error).name === 'AbortError') throw e;
    throw new ApiError(0, 'network', String(e));
  }
  if (!res.ok) {
    let code: ClientErrorCode = `http_${res.status}`;
    let message = res.statusText;
    let fields: FieldProblem[] = [];
    let details: unknown;
    try {
      const env = await res.json();
      code = env.error?.code ?? code;
      message = env.error?.message ?? message;
      details = env.error?.details;
      if (Array.isArray(details)) fields = details as FieldProblem[];
    } catch {
      /* not JSON: keep the status text */
    }
    if (res.status === 401 && authToken && onUnauthorized) onUnauthorized();
    throw new ApiError(res.status, code, message, fields, details);
  }
  return res;
}

/** A JSON request to /api/v1/<path> (or an absolute path). An answer with
 * no JSON body (204, or 201 with nothing) gives `undefined`. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await send(path, opts);
  const text = res.status === 204 ? '' : await res.text();
  if (!text || !res.headers.get('content-type')?.includes('json')) return undefined as T;
  return JSON.parse(text) as T;
}

/** A request whose answer is a file (CSV, PDF), as a Blob. */
export async function apiBlob(path: string, opts: RequestOptions = {}): Promise<Blob> {
  return (await send(path, opts)).blob();
}

// ---- Shapes returned by the API (the subset the pages use) ----

export interface CategoryRef {
  code: string;
  name_it: string;
  name_en: string;
}

export interface Category extends CategoryRef {
  parent: string | null;
  [key: string]: unknown;
}

export interface OfficeRef {
  code: string;
  name: string;
  kind: string;
}

export interface ReportSummary {
  code: string;
  status: string;
  title: string;
  category: CategoryRef;
  lat: number;
  lon: number;
  address: string | null;
  created_at: string;
  updated_at: string;
}

export interface TimelineEntry {
  at: string;
  kind: string;
  from_status?: string | null;
  to_status?: string | null;
  message?: string | null;
  [key: string]: unknown;
}

export interface Attachment {
  id: string;
  kind: string;
  content_type: string;
  size_bytes: number;
  width?: number | null;
  height?: number | null;
  url: string;
  [key: string]: unknown;
}

export interface Site {
  map_tiles_url: string | null;
  map_attribution: string;
  geocoder_url: string | null;
  privacy_url: string;
  accessibility_statement_url: string;
  retention_days: number;
}

export interface Municipality {
  istat_code: string;
  name: string;
  code_prefix: string;
  bbox: [number, number, number, number];
  timezone: string;
  reopen_days: number;
  urp: {
    phone: string | null;
    email: string | null;
    address: string | null;
    /** ISO weekdays, 1 = Monday. */
    weekdays: number[];
    /** e.g. `09:00-13:15,14:15-17:00`. */
    hours: string;
  };
}

let municipalitiesPromise: Promise<Municipality[]> | null = null;
/** The comuni served here, fetched once (a failed fetch is retried next time). */
export function municipalities(): Promise<Municipality[]> {
  municipalitiesPromise ??= api<Municipality[]>('municipalities').catch((e) => {
    municipalitiesPromise = null;
    throw e;
  });
  return municipalitiesPromise;
}

let sitePromise: Promise<Site> | null = null;
/** The site's public settings (map tiles, geocoder…), fetched once. */
export function site(): Promise<Site> {
  sitePromise ??= api<Site>('site');
  return sitePromise;
}
