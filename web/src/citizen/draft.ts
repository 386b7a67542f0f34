// The report being written, kept in this browser so that a reload (or a look
// at a nearby report) loses nothing. The report itself goes to localStorage
// and is forgotten after a week without changes; the name, email and phone go
// to sessionStorage only, so that they do not outlive the browser session on
// a shared computer. Files cannot be kept at all: the form says so next to them.

export type Contact = 'email' | 'phone' | 'none';

export interface Draft {
  privacy: boolean;
  lat: number | null;
  lon: number | null;
  address: string;
  category: string;
  /** The category's names, for the summary before categories are reloaded. */
  categoryName: { name_it: string; name_en: string } | null;
  title: string;
  description: string;
  name: string;
  contact: Contact;
  email: string;
  phone: string;
}

/** The fields that identify the citizen: never in localStorage. */
type Personal = Pick<Draft, 'name' | 'email' | 'phone'>;
const PERSONAL: Array<keyof Personal> = ['name', 'email', 'phone'];

const KEY = 'segnala.citizen.draft';
const PERSONAL_KEY = 'segnala.citizen.draft.contact';
/** A draft left alone this long is dropped. */
const MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;

export function emptyDraft(): Draft {
  return {
    privacy: false,
    lat: null,
    lon: null,
    address: '',
    category: '',
    categoryName: null,
    title: '',
    description: '',
    name: '',
    contact: 'email',
    email: '',
    phone: '',
  };
}

function storage(kind: 'localStorage' | 'sessionStorage'): Storage | null {
  try {
    return window[kind];
  } catch {
    return null;
  }
}

function read(kind: 'localStorage' | 'sessionStorage', key: string): Record<string, unknown> | null {
  try {
    const raw = storage(kind)?.getItem(key);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export function loadDraft(): Draft {
  const d = emptyDraft();
  const stored = read('localStorage', KEY);
  const savedAt = typeof stored?.savedAt === 'number' ? stored.savedAt : 0;
  if (stored && Date.now() - savedAt > MAX_AGE_MS) {
    clearDraft();
    return d;
  }
  const personal = read('sessionStorage', PERSONAL_KEY);
  // Drafts written before the contact details moved out of localStorage
  // still hold them: they are taken over and saved again below, without.
  const legacy = stored && PERSONAL.some((k) => k in stored);
  Object.assign(d, stored ?? {}, personal ?? {});
  delete (d as Partial<Draft> & { savedAt?: number }).savedAt;
  for (const k of PERSONAL) if (typeof d[k] !== 'string') d[k] = '';
  if (!['email', 'phone', 'none'].includes(d.contact)) d.contact = 'email';
  if (typeof d.lat !== 'number' || typeof d.lon !== 'number') {
    d.lat = null;
    d.lon = null;
  }
  if (legacy) saveDraft(d);
  return d;
}

export function saveDraft(d: Draft): void {
  const rest: Record<string, unknown> = { ...d, savedAt: Date.now() };
  const personal: Record<string, string> = {};
  for (const k of PERSONAL) {
    personal[k] = d[k];
    delete rest[k];
  }
  try {
    storage('localStorage')?.setItem(KEY, JSON.stringify(rest));
    if (PERSONAL.some((k) => personal[k])) storage('sessionStorage')?.setItem(PERSONAL_KEY, JSON.stringify(personal));
    else storage('sessionStorage')?.removeItem(PERSONAL_KEY);
  } catch {
    /* storage full or disabled: the form still works, without a draft */
  }
}

export function clearDraft(): void {
  for (const [kind, key] of [
    ['localStorage', KEY],
    ['sessionStorage', PERSONAL_KEY],
  ] as const) {
    try {
      storage(kind)?.removeItem(key);
    } catch {
      /* nothing to clear */
    }
  }
}

/** True when the citizen has written anything worth keeping. */
export function hasContent(d: Draft): boolean {
  return Boolean(d.lat !== null || d.address || d.category || d.title || d.description || d.name || d.email || d.phone);
}
