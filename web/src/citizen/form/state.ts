// The form's state: the draft the citizen is writing, the files they picked,
// the categories of the chosen point and what step 2 must show when it is
// drawn next. One object, created once and handed to each part of the form.

import type { Category } from '../../common/api';
import { loadDraft, saveDraft, clearDraft, emptyDraft, type Draft } from '../draft';
import type { Problem } from '../ui';

export interface Picked {
  file: File;
  /** Object URL of an image's preview. */
  url: string | null;
}

export interface CategoriesResponse {
  municipality: string;
  municipality_name: string;
  categories: Array<Category & { selectable: boolean; triage: boolean; description_it?: string | null; description_en?: string | null }>;
}

export interface FormState {
  draft: Draft;
  images: Picked[];
  documents: Picked[];
  /** The categories served at the point `key` ("lat,lon"). */
  categories: { key: string; data: CategoriesResponse } | null;
  /** Why categories could not be loaded for the current point (shown at the place). */
  placeProblem: string | null;
  /** Problems to show when step 2 is drawn (from the server, after "Invia"). */
  pendingProblems: Problem[] | null;
  /** The field to focus when step 2 is drawn (a "Modifica" link). */
  focusField: string | null;
}

function createFormState(): FormState {
  return {
    draft: loadDraft(),
    images: [],
    documents: [],
    categories: null,
    placeProblem: null,
    pendingProblems: null,
    focusField: null,
  };
}

// Module-level on purpose: the form's state lives as long as the page, while
// each step (and each switch of language) is drawn afresh from it.
export const formState: FormState = createFormState();

export function save(s: FormState): void {
  saveDraft(s.draft);
}

/** The draft's point as a key ("lat,lon"), or null without one. */
export function pointKey(s: FormState): string | null {
  return s.draft.lat === null || s.draft.lon === null ? null : `${s.draft.lat},${s.draft.lon}`;
}

/** Keeps one text of the draft in step with the control the citizen types in. */
export function bindText(
  s: FormState,
  control: HTMLInputElement | HTMLTextAreaElement,
  key: 'address' | 'title' | 'description' | 'name' | 'email' | 'phone',
): void {
  control.addEventListener('input', () => {
    s.draft[key] = control.value;
    save(s);
  });
}

/** Forgets the report: the draft (here and in storage), the files and their
 * previews, the categories of the old point. */
export function forget(s: FormState): void {
  s.draft = emptyDraft();
  clearDraft();
  for (const p of [...s.images, ...s.documents]) if (p.url) URL.revokeObjectURL(p.url);
  s.images.length = 0;
  s.documents.length = 0;
  s.categories = null;
  s.placeProblem = null;
}
