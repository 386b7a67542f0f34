// The signed-in staff member: the bearer token lives in sessionStorage (it
// dies with the tab, unlike localStorage) together with who it belongs to.

import { setAuth } from '../common/api';
import type { StaffUser } from './types';

const KEY = 'segnala.staff.session';

export interface Session {
  token: string;
  /** Milliseconds since the epoch. */
  expiresAt: number;
  user: StaffUser;
}

let current: Session | null = null;

function storage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

/** The session kept in this tab, if still valid. */
export function restore(): Session | null {
  const raw = storage()?.getItem(KEY);
  if (!raw) return null;
  try {
    const s = JSON.parse(raw) as Session;
    if (!s.token || !s.user || s.expiresAt <= Date.now()) {
      storage()?.removeItem(KEY);
      return null;
    }
    current = s;
    return s;
  } catch {
    storage()?.removeItem(KEY);
    return null;
  }
}

export function save(s: Session): void {
  current = s;
  storage()?.setItem(KEY, JSON.stringify(s));
}

export function clear(): void {
  current = null;
  storage()?.removeItem(KEY);
  setAuth(null);
}

export function session(): Session | null {
  return current;
}

export function user(): StaffUser | null {
  return current?.user ?? null;
}
