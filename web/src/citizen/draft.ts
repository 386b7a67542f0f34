// The report being written, kept in this browser's localStorage so that a
// reload (or a look at a nearby report) loses nothing. Files cannot be kept
// there: the form says so next to them.

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

const KEY = 'segnala.citizen.draft';

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

function storage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function loadDraft(): Draft {
  try {
    const raw = storage()?.getItem(KEY);
    if (!raw) return emptyDraft();
    const parsed = JSON.parse(raw) as Partial<Draft>;
    const d = { ...emptyDraft(), ...parsed };
    if (!['email', 'phone', 'none'].includes(d.contact)) d.contact = 'email';
    if (typeof d.lat !== 'number' || typeof d.lon !== 'number') {
      d.lat = null;
      d.lon = null;
    }
    return d;
  } catch {
    return emptyDraft();
  }
}

export function saveDraft(d: Draft): void {
  try {
    storage()?.setItem(KEY, JSON.stringify(d));
  } catch {
    /* storage full or disabled: the form still works, without a draft */
  }
}

export function clearDraft(): void {
  try {
    storage()?.removeItem(KEY);
  } catch {
    /* nothing to clear */
  }
}

/** True when the citizen has written anything worth keeping. */
export function hasContent(d: Draft): boolean {
  return Boolean(d.lat !== null || d.address || d.category || d.title || d.description || d.name || d.email || d.phone);
}
