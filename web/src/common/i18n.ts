// All UI text comes from the translation files in src/i18n/<lang>/*.json.
// Keys are "file.path.to.text"; `{name}` placeholders are filled from params.

import itCommon from '../i18n/it/common.json';
import enCommon from '../i18n/en/common.json';

export type Lang = 'it' | 'en';
type Tree = { [key: string]: string | Tree };

const BUNDLES: Record<Lang, Tree> = {
  it: { common: itCommon },
  en: { common: enCommon },
};

/** Adds an area's texts (`citizen`, `staff`): each site bundles only its own. */
export function addBundle(name: string, texts: Record<Lang, Tree>): void {
  BUNDLES.it[name] = texts.it;
  BUNDLES.en[name] = texts.en;
}

const STORAGE_KEY = 'segnala.lang';
let current: Lang = readLang();
const listeners: Array<() => void> = [];

function readLang(): Lang {
  const fromUrl = new URLSearchParams(location.search).get('lang');
  const stored = fromUrl ?? safeStorage()?.getItem(STORAGE_KEY);
  return stored === 'en' ? 'en' : 'it';
}

function safeStorage(): Storage | null {
  try {
    return window.localStorage;
  } catch {
    return null;
  }
}

export function lang(): Lang {
  return current;
}

export function setLang(next: Lang): void {
  current = next;
  safeStorage()?.setItem(STORAGE_KEY, next);
  document.documentElement.lang = next;
  for (const l of listeners) l();
}

/** Called after the language changes (pages re-render). */
export function onLangChange(fn: () => void): void {
  listeners.push(fn);
}

function lookup(tree: Tree, key: string): string | undefined {
  let node: string | Tree | undefined = tree;
  for (const part of key.split('.')) {
    if (node === undefined || typeof node === 'string') return undefined;
    node = node[part];
  }
  return typeof node === 'string' ? node : undefined;
}

/** The text for `key` in the current language (Italian if missing; the key
 * itself, loudly, if missing in both, so that tests catch it). */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const text = lookup(BUNDLES[current], key) ?? lookup(BUNDLES.it, key);
  if (text === undefined) {
    console.error(`missing translation: ${key}`);
    return `⟦${key}⟧`;
  }
  return text.replace(/\{(\w+)\}/g, (_, name: string) =>
    params[name] === undefined ? `{${name}}` : String(params[name]),
  );
}

/** True when `key` exists (for optional texts such as per-code messages). */
export function has(key: string): boolean {
  return lookup(BUNDLES[current], key) !== undefined || lookup(BUNDLES.it, key) !== undefined;
}

/** A category's name in the current language. */
export function categoryName(c: { name_it: string; name_en: string }): string {
  return current === 'en' && c.name_en ? c.name_en : c.name_it;
}

document.documentElement.lang = current;
