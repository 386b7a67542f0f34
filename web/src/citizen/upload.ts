// Sending photos and documents to a report, one at a time, with a progress
// bar and a plain-words error for each file. XMLHttpRequest rather than
// fetch: only it reports upload progress.

import { h, announce } from '../common/dom';
import { t, has } from '../common/i18n';
import type { Attachment } from '../common/api';
import { fileSize as size } from '../common/format';

export const IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
export const MAX_IMAGES = 5;
export const MAX_DOCUMENTS = 3;
export const MAX_BYTES = 10 * 1024 * 1024;

/** Why a file cannot be sent, checked before sending (null when fine). */
export function fileProblem(file: File, kind: 'image' | 'document'): string | null {
  if (kind === 'image' && !IMAGE_TYPES.includes(file.type)) return t('citizen.files.notImage', { name: file.name });
  if (kind === 'document' && file.type !== 'application/pdf') return t('citizen.files.notPdf', { name: file.name });
  if (file.size > MAX_BYTES) return t('citizen.files.tooBig', { name: file.name });
  return null;
}

function send(code: string, token: string, file: File, progress: (fraction: number) => void): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/v1/reports/${encodeURIComponent(code)}/attachments`);
    xhr.setRequestHeader('Accept', 'application/json');
    // In a header rather than the URL: URLs end up in server and proxy logs.
    xhr.setRequestHeader('X-Tracking-Token', token);
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable) progress(e.loaded / e.total);
    };
    xhr.onload = () => {
      let body: { error?: { code?: string } } & Partial<Attachment> = {};
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        /* not JSON */
      }
      if (xhr.status === 201 || xhr.status === 200) resolve(body as Attachment);
      else reject(new Error(body.error?.code ?? `http_${xhr.status}`));
    };
    xhr.onerror = () => reject(new Error('network'));
    const form = new FormData();
    form.append('file', file, file.name);
    xhr.send(form);
  });
}

function uploadErrorText(code: string): string {
  if (has(`citizen.files.errors.${code}`)) return t(`citizen.files.errors.${code}`);
  if (has(`common.errors.${code}`)) return t(`common.errors.${code}`);
  return t('citizen.files.errors.other');
}

/** Uploads `files` and shows each one's progress in a list it returns. `done`
 * is called once all are settled, with how many succeeded. */
export function uploadList(
  code: string,
  token: string,
  files: File[],
  done: (ok: number, failed: number) => void,
): HTMLElement {
  const list = h('ul', { class: 'upload-list', 'data-testid': 'upload-list' });
  let ok = 0;
  let failed = 0;
  const settle = () => {
    if (ok + failed === files.length) {
      announce(failed ? t('citizen.files.someFailed', { ok, failed }) : t('citizen.files.allSent', { n: ok }), failed > 0);
      done(ok, failed);
    }
  };
  const rows = files.map((file) => {
    const bar = h('progress', { max: '100', value: '0', 'aria-label': t('citizen.files.progress', { name: file.name }) });
    // Focusable from script: it takes the focus from a pressed "Riprova".
    const state = h('span', { class: 'upload-state', tabindex: '-1' }, t('citizen.files.waiting'));
    const li = h('li', { class: 'upload-item' }, h('span', { class: 'upload-name' }, `${file.name} (${size(file.size)})`), bar, state);
    list.append(li);
    return { file, bar, state, li };
  });
  // One after the other: kinder to slow mobile connections and to the server.
  void (async () => {
    for (const r of rows) {
      const attempt = async (): Promise<void> => {
        r.state.textContent = t('citizen.files.sending');
        r.li.classList.remove('upload-failed');
        try {
          await send(code, token, r.file, (f) => (r.bar.value = Math.round(f * 100)));
          r.bar.value = 100;
          r.state.textContent = t('citizen.files.sent');
          r.li.classList.add('upload-ok');
          ok += 1;
          settle();
        } catch (e) {
          r.li.classList.add('upload-failed');
          const retry = h(
            'button',
            {
              type: 'button',
              class: 'btn btn-outline-primary btn-sm ms-2',
              onclick: () => {
                failed -= 1;
                // The button goes away: keep the keyboard in the same row.
                r.state.focus();
                retry.remove();
                void attempt();
              },
            },
            t('citizen.files.retry'),
          );
          r.state.replaceChildren(h('span', { class: 'field-error' }, uploadErrorText((e as Error).message)), retry);
          failed += 1;
          settle();
        }
      };
      await attempt();
    }
  })();
  return list;
}
