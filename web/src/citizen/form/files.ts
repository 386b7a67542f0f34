// The photos and documents the citizen attaches: a file picker per kind with
// the chosen files listed under it (photos with a preview), each removable.
// The files are sent after the report (sent.ts); they cannot be kept in the
// draft.

import { h, replace, announce } from '../../common/dom';
import { t } from '../../common/i18n';
import { fileSize as size } from '../../common/format';
import { field, setError } from '../ui';
import { fileProblem, IMAGE_TYPES, MAX_IMAGES, MAX_DOCUMENTS } from '../upload';
import type { FormState, Picked } from './state';

export type FileKind = 'image' | 'document';

export function filePicker(s: FormState, body: HTMLElement, kind: FileKind): HTMLElement {
  const list = kind === 'image' ? s.images : s.documents;
  const max = kind === 'image' ? MAX_IMAGES : MAX_DOCUMENTS;
  const name = kind === 'image' ? 'images' : 'documents';
  const input = h('input', {
    type: 'file',
    class: 'form-control',
    multiple: true,
    accept: kind === 'image' ? IMAGE_TYPES.join(',') : 'application/pdf',
  });
  const previews = h('ul', { class: kind === 'image' ? 'file-previews photo-grid' : 'file-previews', 'data-testid': `${name}-list` });
  // Says why the picker is unavailable once it is full; it takes the focus
  // when the picker is disabled under it.
  const full = h('p', { class: 'files-full', tabindex: '-1', hidden: true }, t(`citizen.files.full.${kind}`, { max }));
  const remove = (p: Picked) => {
    if (p.url) URL.revokeObjectURL(p.url);
    list.splice(list.indexOf(p), 1);
    draw();
    announce(t('citizen.files.removed', { name: p.file.name }));
    input.focus();
  };
  const draw = () => {
    replace(previews, list.map((p, i) => preview(p, i, remove)));
    const isFull = list.length >= max;
    full.hidden = !isFull;
    if (isFull && document.activeElement === input) full.focus();
    input.disabled = isFull;
  };
  input.addEventListener('change', () => {
    const problems: string[] = [];
    for (const file of Array.from(input.files ?? [])) {
      const bad = fileProblem(file, kind);
      if (bad) problems.push(bad);
      else if (list.length >= max) problems.push(t(`citizen.files.tooMany.${kind}`, { max }));
      else list.push({ file, url: kind === 'image' ? URL.createObjectURL(file) : null });
    }
    input.value = '';
    draw();
    setError(body, name, problems.length ? [...new Set(problems)].join(' ') : null);
    if (problems.length) announce(problems.join(' '), true);
    else announce(t('citizen.files.added', { n: list.length }));
  });
  draw();
  return field(name, t(`citizen.files.${kind}Label`), input, {
    optional: true,
    // Photos are shown on the report's public page: said before choosing them.
    hint: kind === 'image' ? [t('citizen.files.imageHint', { max }), ' ', h('strong', {}, t('citizen.files.photosPublic'))] : t('citizen.files.documentHint', { max }),
    extra: [full, previews],
  });
}

/** One chosen file: its preview (photos), name and size, and "Rimuovi". */
function preview(p: Picked, i: number, remove: (p: Picked) => void): HTMLElement {
  return h(
    'li',
    { class: 'file-preview' },
    p.url && h('img', { src: p.url, alt: t('citizen.files.previewAlt', { n: i + 1, name: p.file.name }) }),
    h('span', { class: 'file-name' }, `${p.file.name} (${size(p.file.size)})`),
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-outline-danger btn-sm',
        'aria-label': t('citizen.files.removeNamed', { name: p.file.name }),
        onclick: () => remove(p),
      },
      t('citizen.files.remove'),
    ),
  );
}
