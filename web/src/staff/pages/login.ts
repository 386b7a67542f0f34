// Sign-in: username and password, errors said aloud and shown in words. The
// same form serves the sign-in page and the dialog that renews an expired
// session without losing the page underneath.

import { h, replace, focusHeading, announce, id } from '../../common/dom';
import { t } from '../../common/i18n';
import { api, ApiError } from '../../common/api';
import { title } from '../../common/layout';
import { field, messageBox, showError } from '../ui';
import type { LoginResponse } from '../types';

function loginForm(onLoggedIn: (r: LoginResponse) => void, presetUser = ''): { form: HTMLFormElement; first: HTMLInputElement } {
  const username = h('input', {
    type: 'text',
    class: 'form-control',
    autocomplete: 'username',
    name: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    value: presetUser,
  });
  const password = h('input', { type: 'password', class: 'form-control', autocomplete: 'current-password', name: 'password' });
  const errors = messageBox();
  errors.setAttribute('data-testid', 'login-error');
  const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-lg' }, t('staff.login.submit'));
  const form: HTMLFormElement = h(
    'form',
    {
      class: 'staff-login',
      novalidate: true,
      onsubmit: async (ev: Event) => {
        ev.preventDefault();
        if (!username.value.trim() || !password.value) {
          errors.hidden = false;
          errors.className = 'alert alert-danger staff-alert';
          replace(errors, h('p', { class: 'mb-0' }, t('staff.login.missing')));
          (username.value.trim() ? password : username).focus();
          announce(t('staff.login.missing'), true);
          return;
        }
        submit.disabled = true;
        submit.textContent = t('staff.login.signingIn');
        try {
          const res = await api<LoginResponse>('auth/login', { json: { username: username.value.trim(), password: password.value } });
          onLoggedIn(res);
        } catch (e) {
          submit.disabled = false;
          submit.textContent = t('staff.login.submit');
          showError(errors, e instanceof ApiError && e.status === 401 ? new ApiError(401, 'invalid_credentials', '') : e);
          password.value = '';
          password.focus();
        }
      },
    },
    errors,
    field(t('staff.login.username'), username, { required: true }),
    field(t('staff.login.password'), password, { required: true }),
    submit,
  );
  return { form, first: presetUser ? password : username };
}

export function loginPage(main: HTMLElement, opts: { message?: string; onLoggedIn: (r: LoginResponse) => void }): void {
  title(t('staff.login.title'));
  const { form } = loginForm(opts.onLoggedIn);
  replace(
    main,
    h('h1', {}, t('staff.login.title')),
    opts.message ? h('div', { class: 'alert alert-info', role: 'status' }, opts.message) : null,
    h('p', { class: 'staff-lead' }, t('staff.login.lead')),
    form,
  );
  focusHeading();
}

/** A modal sign-in over the current page: what was typed there stays. Calls
 * `onCancel` when the user closes it instead. */
export function loginDialog(opts: { username: string; onLoggedIn: (r: LoginResponse) => void; onCancel: () => void }): HTMLDialogElement {
  const headingId = id('relogin');
  let done = false;
  const dialog = h('dialog', { class: 'staff-relogin', 'aria-labelledby': headingId, 'data-testid': 'relogin' });
  const { form, first } = loginForm((r) => {
    done = true;
    dialog.close();
    dialog.remove();
    opts.onLoggedIn(r);
  }, opts.username);
  replace(
    dialog,
    h('h2', { id: headingId, class: 'h4' }, t('staff.login.expiredTitle')),
    h('p', {}, t('staff.login.expiredText')),
    form,
    h(
      'button',
      {
        type: 'button',
        class: 'btn btn-link',
        onclick: () => dialog.close(),
      },
      t('staff.login.expiredLeave'),
    ),
  );
  dialog.addEventListener('close', () => {
    if (done) return;
    dialog.remove();
    opts.onCancel();
  });
  document.body.appendChild(dialog);
  dialog.showModal();
  first.focus();
  announce(t('staff.login.expiredTitle'), true);
  return dialog;
}
