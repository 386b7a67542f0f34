// The staff console end to end: sign-in, the office's queue and take-in, the
// supervisor's re-routing, inboxes and dashboard, the URP's keyboard-only
// phone entry and the callback queue. Every page state is checked with axe
// and for console errors, and photographed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { startServer, launchBrowser, newPage, checkA11y, screenshot, apiLogin, apiCall, png } from './harness.mjs';

const PISA = { lat: 43.7159, lon: 10.4018 };
let server;
let browser;
const tokens = {};

before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  for (const name of ['urp', 'ufficio-strade', 'ufficio-verde', 'supervisore']) {
    tokens[name] = await apiLogin(server.url, server.accounts[name]);
  }
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

let seq = 0;
/** Files a report through the API, on behalf of a citizen (URP token: no
 * anonymous rate limit in the way). */
async function fileReport({ category, title, channel = 'counter', reporter, receivedAt, lat, lon } = {}) {
  seq += 1;
  const res = await apiCall(server.url, 'reports', {
    method: 'POST',
    token: tokens.urp,
    json: {
      category,
      title: title ?? `Prova ${seq}`,
      description: `Descrizione della prova ${seq}`,
      lat: lat ?? PISA.lat + seq * 0.0003,
      lon: lon ?? PISA.lon + seq * 0.0003,
      address: `Via di prova ${seq}`,
      channel,
      received_at: receivedAt,
      reporter: reporter ?? { name: 'Maria Rossi', email: 'maria.rossi@example.org' },
    },
  });
  assert.equal(res.status, 201, `create report: ${JSON.stringify(res.body)}`);
  return res.body;
}

async function attach({ code, tracking_token }, bytes, type, name) {
  const form = new FormData();
  form.append('file', new Blob([bytes], { type }), name);
  const res = await fetch(`${server.url}/api/v1/reports/${code}/attachments?token=${encodeURIComponent(tracking_token)}`, {
    method: 'POST',
    body: form,
  });
  assert.ok(res.status === 201 || res.status === 200, `upload ${name}: ${res.status} ${await res.text()}`);
}

/** Signs in through the login form and waits for the console. */
async function login(page, username, path = '/staff') {
  await page.goto(server.url + path);
  await page.getByLabel('Nome utente').fill(username);
  await page.getByLabel('Password', { exact: false }).fill(server.accounts[username].password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.getByTestId('whoami').waitFor();
}

async function focused(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? { id: el.id, tag: el.tagName, type: el.getAttribute('type'), name: el.getAttribute('name'), value: el.value, label: el.labels?.[0]?.textContent ?? '' } : null;
  });
}

/** Presses Tab until the focused control's label matches `re`. */
async function tabTo(page, re, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (f && re.test(f.label)) return f;
  }
  throw new Error(`no control labelled ${re} reached with Tab`);
}

test('sign-in: wrong password is said in words, the right one opens the queue; sign-out', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/staff');
  await page.getByRole('heading', { level: 1, name: 'Accesso al personale' }).waitFor();
  assert.match(await page.title(), /Accesso al personale/);
  await checkA11y(page, 'staff login');
  await screenshot(page, 'staff-login');
  await page.getByLabel('Nome utente').fill('ufficio-strade');
  await page.getByLabel('Password').fill('sbagliata-davvero');
  await page.getByRole('button', { name: 'Accedi' }).click();
  const err = page.getByTestId('login-error');
  await err.getByText('Nome utente o password non corretti').waitFor();
  await page.locator('#sr-alert', { hasText: 'Nome utente o password non corretti' }).waitFor({ state: 'attached' });
  await checkA11y(page, 'staff login error');
  await page.getByLabel('Password').fill(server.accounts['ufficio-strade'].password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.getByRole('heading', { level: 1, name: "Coda dell'ufficio" }).waitFor();
  assert.match(await page.getByTestId('whoami').innerText(), /Ufficio Manutenzione strade/);
  assert.equal(new URL(page.url()).pathname, '/staff/coda');
  // The token stays in this tab only.
  const stored = await page.evaluate(() => ({ s: sessionStorage.getItem('segnala.staff.session'), l: JSON.stringify(localStorage) }));
  assert.ok(stored.s && stored.s.includes('access') === false && JSON.parse(stored.s).token);
  assert.ok(!stored.l.includes(JSON.parse(stored.s).token));
  await page.getByTestId('logout').click();
  await page.getByRole('heading', { level: 1, name: 'Accesso al personale' }).waitFor();
  assert.equal(await page.evaluate(() => sessionStorage.getItem('segnala.staff.session')), null);
  page.assertClean([/401/]);
  await page.context().close();
});

test('the office sees a new pothole with a countdown, takes it in charge with a public message', async () => {
  const created = await fileReport({ category: 'buche', title: 'Buca in via Prova' });
  await attach(created, png(), 'image/png', 'buca.png');
  const page = await newPage(browser);
  await login(page, 'ufficio-strade');
  const row = page.locator(`tr[data-code="${created.code}"]`);
  await row.waitFor();
  const countdown = await row.getByTestId('countdown').innerText();
  assert.match(countdown, /^tra \d/, `countdown: ${countdown}`);
  await checkA11y(page, 'office queue');
  await screenshot(page, 'staff-queue-office');

  await row.getByRole('link', { name: created.code }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(created.code) }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  assert.match(await page.title(), new RegExp(created.code));
  // The citizen's contact, the map and the full timeline are there.
  await page.getByText('maria.rossi@example.org').waitFor();
  await page.locator('[data-testid="detail-map"].leaflet-container').waitFor();
  await page.getByTestId('timeline').getByText('Segnalazione ricevuta', { exact: true }).waitFor();
  // The photo needs the token: fetched as a blob, shown through an object URL.
  const photo = page.getByTestId('photos').locator('img[src^="blob:"]');
  await photo.waitFor();
  await page.waitForFunction(() => (document.querySelector('[data-testid="photos"] img')?.naturalWidth ?? 0) > 0);
  assert.match(await photo.getAttribute('alt'), /Foto 1/);
  // The message comes prefilled from a template (the category's, or the
  // standard one), and the picker offers the others.
  const message = page.getByTestId('takein-message');
  assert.match(await message.inputValue(), /preso in carico|presa in carico/);
  const options = await page.getByTestId('takein-template').locator('option').allInnerTexts();
  assert.ok(options.some((o) => /Modello standard \(italiano\)/.test(o)), options.join(' | '));
  await page.getByTestId('takein-template').selectOption({ label: 'Modello standard (italiano)' });
  assert.match(await message.inputValue(), new RegExp(`${created.code}.*presa in carico`));
  await checkA11y(page, 'report detail');
  await screenshot(page, 'staff-detail');

  const text = 'Abbiamo preso in carico la buca: una squadra passerà entro domani.';
  await message.fill(text);
  await page.getByTestId('take-in').click();
  await page.getByTestId('detail-flash').getByText('Segnalazione presa in carico.').waitFor();
  await page.getByTestId('timeline').getByText(text).waitFor();
  await checkA11y(page, 'report detail after take-in');

  const pub = await apiCall(server.url, `reports/${created.code}`);
  assert.equal(pub.status, 200);
  assert.equal(pub.body.status, 'taken_in');
  assert.ok(pub.body.timeline.some((e) => e.message === text), JSON.stringify(pub.body.timeline));

  // Changing the target status puts in that status's template, but only
  // while the message is untouched: what the operator wrote stays.
  const statusMessage = page.getByTestId('status-message');
  assert.equal(await page.getByTestId('status-target').inputValue(), 'in_progress');
  assert.match(await statusMessage.inputValue(), /intervento di riparazione è programmato/);
  await page.getByTestId('status-target').selectOption('resolved');
  assert.match(await statusMessage.inputValue(), /buca è stata riparata/);
  const own = 'Messaggio scritto a mano per il cittadino.';
  await statusMessage.fill(own);
  await page.getByTestId('status-target').selectOption('in_progress');
  assert.equal(await statusMessage.inputValue(), own);
  await page.getByTestId('status-target').selectOption('resolved');
  assert.equal(await statusMessage.inputValue(), own);
  await statusMessage.fill('');
  await page.getByTestId('status-target').selectOption('in_progress');
  assert.match(await statusMessage.inputValue(), /intervento di riparazione è programmato/);

  // An internal note stays internal.
  await page.getByTestId('note-text').fill('Chiamare la ditta Rossi per il ripristino.');
  await page.getByRole('button', { name: 'Aggiungi nota' }).click();
  await page.getByTestId('detail-flash').getByText('Nota interna aggiunta.').waitFor();
  await page.getByTestId('timeline').getByText('Chiamare la ditta Rossi').waitFor();
  const after = await apiCall(server.url, `reports/${created.code}`);
  assert.ok(!JSON.stringify(after.body).includes('ditta Rossi'));
  page.assertClean();
  await page.context().close();
});

test('the office attaches a photo and a PDF from the detail page; a wrong file is refused in words', async () => {
  const r = await fileReport({ category: 'buche', title: 'Allegati dal personale' });
  // The citizen adds a detail from the follow-up page: staff see it, named.
  const info = await apiCall(server.url, `reports/${r.code}/information`, {
    method: 'POST',
    json: { token: r.tracking_token, message: 'La buca è vicino al tombino.' },
  });
  assert.equal(info.status, 201, JSON.stringify(info.body));
  const page = await newPage(browser, { acceptDownloads: true });
  await login(page, 'ufficio-strade', `/staff/segnalazioni/${r.code}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(r.code) }).waitFor();
  const added = page.getByTestId('timeline').locator('li.event-information_added');
  await added.getByText('Informazioni aggiunte dal cittadino').waitFor();
  await added.getByText('La buca è vicino al tombino.').waitFor();
  await page.getByText('Le foto diventano visibili nella pagina pubblica della segnalazione').waitFor();
  const file = page.getByTestId('upload-file');
  const errors = page.getByTestId('upload-errors');
  // Nothing chosen: said next to the field.
  await page.getByTestId('upload-submit').click();
  await errors.getByText('Scegli il file da allegare.').waitFor();
  // A text file: the server refuses it, the reason is shown and announced.
  await file.setInputFiles({ name: 'nota.txt', mimeType: 'text/plain', buffer: Buffer.from('non una foto') });
  await page.getByTestId('upload-submit').click();
  await errors.getByText('Questo tipo di file non è accettato').waitFor();
  await page.locator('#sr-alert', { hasText: 'Questo tipo di file non è accettato' }).waitFor({ state: 'attached' });
  assert.equal(await file.getAttribute('aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'upload-file');
  await checkA11y(page, 'detail upload error');

  await file.setInputFiles({ name: 'riparata.png', mimeType: 'image/png', buffer: png(20, 20, [10, 120, 200]) });
  await page.getByTestId('upload-submit').click();
  await page.getByTestId('detail-flash').getByText('File «riparata.png» allegato.').waitFor();
  await page.getByTestId('photos').locator('img[src^="blob:"]').waitFor();

  const pdf = Buffer.from('%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
  await page.getByTestId('upload-file').setInputFiles({ name: 'verbale.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByTestId('upload-submit').click();
  await page.getByTestId('detail-flash').getByText('File «verbale.pdf» allegato.').waitFor();
  const docButton = page.getByRole('button', { name: /^Scarica il documento 1 \(PDF, \d+ byte\)$/ });
  const [download] = await Promise.all([page.waitForEvent('download'), docButton.click()]);
  assert.match(download.suggestedFilename(), new RegExp(`^${r.code}-.+\\.pdf$`));
  assert.ok(readFileSync(await download.path(), 'utf8').startsWith('%PDF-'));
  await page.getByTestId('timeline').getByText('Allegato aggiunto').first().waitFor();
  await checkA11y(page, 'detail after uploads');

  // The photo is public, the document is not.
  const pub = await apiCall(server.url, `reports/${r.code}`);
  assert.equal(pub.body.photos.length, 1);
  assert.ok(!JSON.stringify(pub.body).includes('application/pdf'), JSON.stringify(pub.body));
  page.assertClean([/415/]);
  await page.context().close();
});

test('an overdue report is marked in words in the queue, and English is one click away', async () => {
  const receivedAt = new Date(Date.now() - 6 * 86400000).toISOString();
  const late = await fileReport({ category: 'marciapiedi', title: 'Marciapiede rotto da giorni', receivedAt });
  const page = await newPage(browser);
  await login(page, 'ufficio-strade');
  const row = page.locator(`tr[data-code="${late.code}"]`);
  await row.waitFor();
  assert.match((await row.getAttribute('class')) ?? '', /overdue/);
  assert.match(await row.innerText(), /In ritardo/);
  assert.match(await row.getByTestId('countdown').innerText(), /Scaduta/);
  await page.getByTestId('lang-switch').click();
  await page.getByRole('heading', { level: 1, name: 'Office queue' }).waitFor();
  assert.match(await page.locator(`tr[data-code="${late.code}"]`).innerText(), /Late/);
  await checkA11y(page, 'office queue in English');
  await page.getByTestId('lang-switch').click();
  await page.getByRole('heading', { level: 1, name: "Coda dell'ufficio" }).waitFor();
  page.assertClean();
  await page.context().close();
});

test('"show more" moves focus to the new rows; the quiet refresh keeps the pages loaded, and a failed one keeps the table', async () => {
  for (let i = 0; i < 3; i++) await fileReport({ category: 'buche', title: `Pagine ${i}` });
  const page = await newPage(browser);
  await page.clock.install();
  // Pages of two, so that a few reports make several pages.
  let calls = 0;
  let down = false;
  await page.route(
    (u) => u.pathname === '/api/v1/staff/reports',
    (route) => {
      calls += 1;
      if (down) {
        return route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unavailable', message: 'down' } }) });
      }
      const u = new URL(route.request().url());
      u.searchParams.set('limit', '2');
      return route.continue({ url: u.toString() });
    },
  );
  await login(page, 'ufficio-strade');
  const rows = page.locator('[data-testid="queue-table"] tbody tr');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-table"] tbody tr').length === 2);
  await page.getByRole('button', { name: 'Mostra altre segnalazioni' }).click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="queue-table"] tbody tr').length === 4);
  const third = await rows.nth(2).getAttribute('data-code');
  const focusedCode = () => page.evaluate(() => document.activeElement?.closest('tr')?.getAttribute('data-code') ?? document.activeElement?.tagName);
  assert.equal(await focusedCode(), third);
  await page.locator('#sr-status', { hasText: 'Caricate altre 2 segnalazioni, 4 in tutto.' }).waitFor({ state: 'attached' });

  // Five minutes later the list refreshes by itself: still four rows, focus kept.
  let before = calls;
  await page.clock.fastForward('05:05');
  for (let i = 0; i < 50 && calls < before + 2; i++) await page.waitForTimeout(100);
  assert.ok(calls >= before + 2, `the refresh asked for the same ${4} items again (${calls - before} requests)`);
  await page.waitForTimeout(200);
  assert.equal(await rows.count(), 4);
  assert.equal(await focusedCode(), third);

  // A refresh that fails keeps the table and says so.
  down = true;
  before = calls;
  await page.clock.fastForward('05:05');
  await page.getByTestId('refresh-notice').getByText('Aggiornamento automatico non riuscito').waitFor();
  assert.equal(await rows.count(), 4);
  assert.equal(await focusedCode(), third);
  await checkA11y(page, 'queue after a failed refresh');
  page.assertClean([/503/]);
  await page.context().close();
});

test('the supervisor re-routes a pothole filed as public green; the green office no longer sees it', async () => {
  const wrong = await fileReport({ category: 'verde', title: 'Buca filed as verde' });
  assert.equal(wrong.office.code, 'verde');
  const green = await newPage(browser);
  await login(green, 'ufficio-verde');
  await green.locator(`tr[data-code="${wrong.code}"]`).waitFor();

  const sup = await newPage(browser);
  await login(sup, 'supervisore', `/staff/segnalazioni/${wrong.code}`);
  await sup.getByRole('heading', { level: 1, name: new RegExp(wrong.code) }).waitFor();
  const cat = sup.getByTestId('reassign-category');
  await cat.locator('option[value="buche"]').waitFor({ state: 'attached' });
  await checkA11y(sup, 'supervisor detail');
  await screenshot(sup, 'staff-detail-supervisor');
  await cat.selectOption('buche');
  await sup.getByTestId('reassign-reason').fill('È una buca sulla strada, non verde pubblico.');
  await sup.getByTestId('reassign-submit').click();
  await sup.getByTestId('detail-flash').getByText('Segnalazione riassegnata.').waitFor();
  await sup.locator('.staff-dl').getByText('Manutenzione strade e infrastrutture').waitFor();
  await checkA11y(sup, 'supervisor detail after reassign');

  const check = await apiCall(server.url, `staff/reports/${wrong.code}`, { token: tokens.supervisore });
  assert.equal(check.body.category.code, 'buche');
  assert.equal(check.body.office.code, 'manutenzioni');

  await green.reload();
  await green.getByRole('heading', { level: 1, name: "Coda dell'ufficio" }).waitFor();
  await green.getByTestId('queue-results').locator('.staff-summary, .staff-empty').first().waitFor();
  assert.equal(await green.locator(`tr[data-code="${wrong.code}"]`).count(), 0);
  // And the detail is no longer its to see.
  await green.goto(`${server.url}/staff/segnalazioni/${wrong.code}`);
  await green.getByRole('heading', { level: 1, name: /non disponibile/ }).waitFor();
  green.assertClean([/404/]);
  sup.assertClean();
  await green.context().close();
  await sup.context().close();
});

test('the supervisor marks a report as a duplicate of another', async () => {
  const original = await fileReport({ category: 'illuminazione', title: 'Lampione spento in piazza' });
  const copy = await fileReport({ category: 'illuminazione', title: 'Lampione spento (di nuovo)' });
  const sup = await newPage(browser);
  await login(sup, 'supervisore', `/staff/segnalazioni/${copy.code}`);
  await sup.getByRole('heading', { level: 1, name: new RegExp(copy.code) }).waitFor();
  assert.equal(await sup.getByTestId('duplicate-of').getAttribute('placeholder'), `per esempio ${copy.code.slice(0, 8)}000123`);
  // Its own code is refused before asking the server.
  await sup.getByTestId('duplicate-of').fill(copy.code);
  await sup.getByRole('button', { name: 'Segna come duplicato' }).click();
  await sup.getByText("Indica un'altra segnalazione, non questa.").waitFor();
  await sup.getByTestId('duplicate-of').fill(original.code.toLowerCase());
  await sup.getByRole('button', { name: 'Segna come duplicato' }).click();
  await sup.getByTestId('detail-flash').getByText(`Segnata come duplicato di ${original.code}.`).waitFor();
  await sup.locator('.staff-dl').getByRole('link', { name: original.code }).waitFor();
  await checkA11y(sup, 'duplicate done');
  const pub = await apiCall(server.url, `reports/${copy.code}`);
  assert.equal(pub.body.status, 'rejected');
  assert.equal(pub.body.duplicate_of, original.code);
  sup.assertClean();
  await sup.context().close();
});

test('the office hands a report back as not competent; it shows up in the supervisor\'s triage', async () => {
  const r = await fileReport({ category: 'graffiti', title: 'Scritta su un edificio privato' });
  const page = await newPage(browser);
  await login(page, 'ufficio-strade', `/staff/segnalazioni/${r.code}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(r.code) }).waitFor();
  // The reason is required, and the error is said in words.
  await page.getByRole('button', { name: 'Segnala come non di competenza' }).click();
  await page.getByText("Scrivi il motivo: serve al referente").waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'nc-reason');
  await checkA11y(page, 'not competent error');
  await page.getByTestId('nc-reason').fill('Edificio privato: competenza del proprietario.');
  await page.getByRole('button', { name: 'Segnala come non di competenza' }).click();
  await page.getByRole('heading', { level: 1, name: `Segnalazione ${r.code} aggiornata` }).waitFor();
  page.assertClean([/404/]);
  await page.context().close();

  const sup = await newPage(browser);
  await login(sup, 'supervisore', '/staff/smistamento');
  await sup.getByRole('heading', { level: 1, name: 'Smistamento' }).waitFor();
  await sup.locator(`[data-testid="triage-table"] tr[data-code="${r.code}"]`).waitFor();
  await checkA11y(sup, 'triage');
  await screenshot(sup, 'staff-triage');
  sup.assertClean();
  await sup.context().close();
});

test('the escalation inbox lists reports past their take-in deadline', async () => {
  const receivedAt = new Date(Date.now() - 5 * 86400000).toISOString();
  const late = await fileReport({ category: 'illuminazione', title: 'Lampione spento da giorni', receivedAt });
  const sup = await newPage(browser);
  await login(sup, 'supervisore', '/staff/escalation');
  await sup.getByRole('heading', { level: 1, name: 'Escalation' }).waitFor();
  const row = sup.locator(`[data-testid="escalations-table"] tr[data-code="${late.code}"]`);
  await row.waitFor();
  assert.match(await row.innerText(), /Scaduta/);
  await checkA11y(sup, 'escalations');
  await screenshot(sup, 'staff-escalations');
  sup.assertClean();
  await sup.context().close();
});

test('URP files a phone report with the keyboard only and reads the code to the citizen', async () => {
  const page = await newPage(browser);
  await login(page, 'urp');
  await page.goto(server.url + '/staff/nuova');
  await page.getByRole('heading', { level: 1, name: 'Nuova segnalazione per conto del cittadino' }).waitFor();
  await page.locator('select option[value="buche"]').waitFor({ state: 'attached' });
  await checkA11y(page, 'urp form');
  await screenshot(page, 'staff-urp-form');
  // From here on: keyboard only.
  let f = await tabTo(page, /Telefono/);
  assert.equal(f.name, 'channel');
  await page.keyboard.press('ArrowRight'); // Sportello
  assert.equal((await focused(page)).value, 'counter');
  await page.keyboard.press('ArrowLeft'); // back to Telefono
  assert.equal((await focused(page)).value, 'phone');
  f = await tabTo(page, /Indirizzo o luogo/);
  await page.keyboard.type('Lungarno Pacinotti 43');
  await tabTo(page, /Latitudine/);
  await page.keyboard.type('43,7168');
  await tabTo(page, /Longitudine/);
  await page.keyboard.type('10,4003');
  f = await tabTo(page, /Categoria/);
  assert.equal(f.tag, 'SELECT');
  await page.keyboard.type('Buche');
  assert.equal((await focused(page)).value, 'buche');
  await tabTo(page, /Oggetto/);
  await page.keyboard.type('Buca profonda davanti al civico 43');
  await tabTo(page, /Descrizione del problema/);
  await page.keyboard.type('Il signor Bianchi segnala una buca profonda.');
  await page.keyboard.press('Shift+Enter');
  await page.keyboard.type('Pericolosa per i motorini.');
  await tabTo(page, /Nome e cognome/);
  await page.keyboard.type('Giuseppe Bianchi');
  await tabTo(page, /^Telefono/);
  await page.keyboard.type('050 123456');
  await page.keyboard.press('Enter');

  const code = await page.getByTestId('created-code').innerText();
  assert.match(code, /^PI-\d{4}-\d{6}$/);
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'created');
  await page.locator('#sr-status', { hasText: code }).waitFor({ state: 'attached' });
  // The form is empty for the next call, the channel kept.
  assert.equal(await page.getByLabel('Descrizione del problema').inputValue(), '');
  assert.equal(await page.getByLabel('Latitudine').inputValue(), '');
  assert.equal(await page.locator('input[name="channel"]:checked').inputValue(), 'phone');
  await checkA11y(page, 'urp form after submit');
  // Later the citizen calls again, code in hand: URP opens it from the queue.
  await page.goto(server.url + '/staff/coda');
  // The example is this comune's code for this year, not a fixed one.
  const year = new Intl.DateTimeFormat('en', { timeZone: 'Europe/Rome', year: 'numeric' }).format(new Date());
  await page.locator(`[data-testid="goto-code"][placeholder="per esempio PI-${year}-000123"]`).waitFor();
  await page.getByTestId('goto-code').fill(code.toLowerCase());
  await page.getByTestId('goto-code').press('Enter');
  await page.getByRole('heading', { level: 1, name: new RegExp(code) }).waitFor();
  await page.getByText('Giuseppe Bianchi').waitFor();
  await checkA11y(page, 'urp detail');
  await page.goBack();
  await page.getByRole('heading', { level: 1, name: 'Segnalazioni del Comune' }).waitFor();
  await page.goto(server.url + '/staff/nuova');
  await page.locator('select option[value="buche"]').waitFor({ state: 'attached' });
  await screenshot(page, 'staff-urp-created');

  const r = await apiCall(server.url, `staff/reports/${code}`, { token: tokens.urp });
  assert.equal(r.status, 200);
  assert.equal(r.body.channel, 'phone');
  assert.equal(r.body.category.code, 'buche');
  assert.equal(r.body.reporter.phone.replace(/\D/g, '').endsWith('050123456'), true, JSON.stringify(r.body.reporter));
  assert.equal(r.body.reporter.email ?? null, null);
  assert.match(r.body.description, /Pericolosa per i motorini/);

  // Enter on an incomplete form names the missing fields and focuses the first.
  await tabTo(page, /Descrizione del problema/);
  await page.keyboard.press('Enter');
  await page.getByTestId('form-errors').getByText('Scegli la categoria.').waitFor();
  assert.equal((await focused(page)).label.startsWith('Latitudine'), true);
  await checkA11y(page, 'urp form errors');
  page.assertClean();
  await page.context().close();
});

test('URP files a counter report with the photo the citizen brought', async () => {
  const page = await newPage(browser);
  await login(page, 'urp', '/staff/nuova');
  await page.getByRole('heading', { level: 1, name: 'Nuova segnalazione per conto del cittadino' }).waitFor();
  await page.locator('select option[value="verde"]').waitFor({ state: 'attached' });
  await page.getByLabel('Sportello URP').check();
  await page.getByLabel('Indirizzo o luogo').fill('Giardino Scotto');
  // A click on the map sets the point.
  const map = page.locator('form.staff-urp .leaflet-container');
  await map.waitFor();
  // The map opens on the whole comune: its middle is inside the territory.
  await map.click();
  assert.match(await page.getByLabel('Latitudine').inputValue(), /^43\.\d+/);
  assert.match(await page.getByLabel('Longitudine').inputValue(), /^10\.\d+/);
  await page.getByLabel('Categoria').selectOption('verde');
  await page.getByLabel('Descrizione del problema').fill('Ramo pericolante sopra la panchina.');
  await page.locator('input[type="tel"]').fill('+39 333 7654321');
  await page.getByTestId('urp-email').fill('luca.neri@example.org');
  // The citizen speaks English: the messages they get will be in English.
  await page.getByTestId('urp-language').selectOption('en');
  // A photo, and a file the server will refuse.
  await page.getByTestId('urp-files').setInputFiles([
    { name: 'ramo.png', mimeType: 'image/png', buffer: png(40, 30, [30, 140, 60]) },
    { name: 'appunti.txt', mimeType: 'text/plain', buffer: Buffer.from('non un allegato') },
  ]);
  const [sent] = await Promise.all([
    page.waitForRequest((req) => req.method() === 'POST' && new URL(req.url()).pathname === '/api/v1/reports'),
    page.getByTestId('urp-submit').click(),
  ]);
  const body = sent.postDataJSON();
  assert.equal(body.language, 'en');
  assert.deepEqual(body.reporter, { name: null, phone: '+39 333 7654321', email: 'luca.neri@example.org', contact: 'email' });
  const code = await page.getByTestId('created-code').innerText();
  // The report is filed: the code stays on screen, with what went wrong and
  // where to attach the file again.
  const problems = page.getByTestId('upload-problems');
  await problems.getByText(`La segnalazione ${code} è registrata, ma alcuni file non sono stati allegati.`, { exact: false }).waitFor();
  await problems.getByText(/appunti\.txt.*non è stato allegato/).waitFor();
  await page.locator('#sr-alert', { hasText: code }).waitFor({ state: 'attached' });
  await checkA11y(page, 'urp upload problem');
  const r = await apiCall(server.url, `staff/reports/${code}`, { token: tokens.urp });
  assert.equal(r.body.channel, 'counter');
  assert.equal(r.body.photos.length, 1);
  assert.equal(r.body.reporter.email, 'luca.neri@example.org');
  assert.equal(r.body.reporter.contact, 'email');
  await page.getByRole('link', { name: `Apri la segnalazione ${code} per allegare di nuovo i file` }).click();
  await page.getByTestId('upload-file').waitFor();
  await page.getByTestId('photos').locator('img[src^="blob:"]').waitFor();
  await checkA11y(page, 'urp detail with photo');
  page.assertClean([/415/]);
  await page.context().close();
});

test('a phone-only citizen is called back when the report is resolved; URP records the attempt', async () => {
  const r = await fileReport({ category: 'buche', channel: 'phone', title: 'Buca per richiamata', reporter: { name: 'Anna Verdi', phone: '3331234567' } });
  const move = async (code, to, msg) => {
    const res = await apiCall(server.url, `reports/${code}/transitions`, { method: 'POST', token: tokens['ufficio-strade'], json: { to, public_message: msg } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
  };
  /** Another phone-only citizen whose report gets resolved. */
  const another = async (name) => {
    const x = await fileReport({ category: 'buche', channel: 'phone', title: `Richiamata per ${name}`, reporter: { name, phone: '3339876543' } });
    await move(x.code, 'taken_in', 'Presa in carico.');
    await move(x.code, 'resolved', 'Riparata.');
    return x;
  };
  await move(r.code, 'taken_in', 'Presa in carico.');
  await move(r.code, 'resolved', 'La buca è stata chiusa con asfalto a freddo.');

  const page = await newPage(browser);
  // The page refreshes the list every two minutes: the test moves the clock.
  await page.clock.install();
  await login(page, 'urp', '/staff/richiamate');
  await page.getByRole('heading', { level: 1, name: 'Richiamate ai cittadini' }).waitFor();
  const card = page.locator(`article[data-code="${r.code}"]`);
  await card.waitFor();
  assert.match(await card.innerText(), /333/);
  assert.match(await card.innerText(), /La buca è stata chiusa/);
  assert.match(await card.innerText(), /Segnalazione risolta/);
  await checkA11y(page, 'callbacks');
  await screenshot(page, 'staff-callbacks');
  // No outcome chosen: said in words, nothing recorded.
  await card.getByTestId('attempt-submit').click();
  await card.getByText("Scegli l'esito della chiamata.").waitFor();
  await card.getByLabel('Non risponde').check();
  const note = 'Squilla a vuoto, riprovare nel pomeriggio.';
  await card.getByTestId('attempt-note').fill(note);
  // Mid-call the list refreshes by itself and a new callback comes in: the
  // outcome and the note being typed stay, and so does the focus.
  const second = await another('Carlo Neri');
  await page.clock.fastForward('02:05');
  await page.locator(`article[data-code="${second.code}"]`).waitFor();
  assert.equal(await card.getByTestId('attempt-note').inputValue(), note);
  assert.equal(await card.getByLabel('Non risponde').isChecked(), true);
  assert.equal(
    await page.evaluate((code) => document.activeElement?.closest('article')?.getAttribute('data-code') === code && document.activeElement.tagName, r.code),
    'TEXTAREA',
  );
  // The same with the "refresh" button.
  const third = await another('Paola Gialli');
  await page.getByTestId('callbacks-refresh').click();
  await page.locator(`article[data-code="${third.code}"]`).waitFor();
  assert.equal(await card.getByTestId('attempt-note').inputValue(), note);
  await card.getByTestId('attempt-submit').click();
  await page.getByTestId('callbacks-flash').getByText(`Esito registrato per ${r.code}: Non risponde.`).waitFor();
  await page.locator(`article[data-code="${r.code}"]`).getByText('Squilla a vuoto').waitFor();
  await checkA11y(page, 'callbacks after attempt');

  const list = await apiCall(server.url, 'callbacks', { token: tokens.urp });
  const cb = list.body.find((c) => c.report_code === r.code);
  assert.equal(cb.attempts.length, 1);
  assert.equal(cb.attempts[0].outcome, 'no_answer');
  page.assertClean();
  await page.context().close();
});

test('the supervisor dashboard draws charts and exports CSV', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  await login(page, 'supervisore', '/staff/statistiche');
  await page.getByRole('heading', { level: 1, name: 'Carico di lavoro degli uffici' }).waitFor();
  await page.getByTestId('stats-table').locator('tbody tr').first().waitFor();
  for (const id of ['chart-workload', 'chart-sla', 'chart-rating']) {
    const canvas = page.locator(`canvas[data-testid="${id}"]`);
    await canvas.waitFor();
    // chart.js sized the canvas: it drew something.
    await page.waitForFunction((sel) => (document.querySelector(sel)?.width ?? 0) > 0, `canvas[data-testid="${id}"]`);
  }
  assert.match(await page.getByTestId('stats-table').innerText(), /Manutenzione strade/);
  await page.getByTestId('rating-summary').waitFor();
  await checkA11y(page, 'dashboard');
  await screenshot(page, 'staff-dashboard');

  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('stats-csv').click()]);
  assert.match(download.suggestedFilename(), /^segnala-uffici_\d{4}-\d{2}-\d{2}_\d{4}-\d{2}-\d{2}\.csv$/);
  const body = readFileSync(await download.path(), 'utf8');
  assert.ok(body.startsWith('office_code,office_name,received'), body.slice(0, 80));
  assert.match(body, /manutenzioni/);
  page.assertClean();
  await page.context().close();
});

test('an expired session asks to sign in again and comes back to the same report', async () => {
  const r = await fileReport({ category: 'buche', title: 'Sessione scaduta' });
  const page = await newPage(browser);
  await login(page, 'ufficio-strade', `/staff/segnalazioni/${r.code}`);
  await page.getByRole('heading', { level: 1, name: new RegExp(r.code) }).waitFor();
  // The server no longer accepts the token (as after 30 minutes).
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('segnala.staff.session'));
    s.token = 'scaduto.' + s.token.slice(8);
    sessionStorage.setItem('segnala.staff.session', JSON.stringify(s));
  });
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Accesso al personale' }).waitFor();
  await page.getByText('La sessione è scaduta: accedi di nuovo.').waitFor();
  assert.equal(new URL(page.url()).pathname, `/staff/segnalazioni/${r.code}`);
  await page.getByLabel('Nome utente').fill('ufficio-strade');
  await page.getByLabel('Password').fill(server.accounts['ufficio-strade'].password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.getByRole('heading', { level: 1, name: new RegExp(r.code) }).waitFor();

  // Expiring in the middle of work: a dialog signs in again over the page,
  // and the note being written is still there to send.
  await page.route('**/api/v1/reports/*/notes', (route) =>
    route.fulfill({ status: 401, contentType: 'application/json', body: JSON.stringify({ error: { code: 'unauthorized', message: 'token expired' } }) }),
    { times: 1 },
  );
  await page.getByTestId('note-text').fill('Nota scritta mentre la sessione scadeva.');
  await page.getByRole('button', { name: 'Aggiungi nota' }).click();
  const dialog = page.getByTestId('relogin');
  await dialog.getByRole('heading', { name: 'Sessione scaduta: accedi di nuovo' }).waitFor();
  assert.equal(await dialog.getByLabel('Nome utente').inputValue(), 'ufficio-strade');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('name')), 'password');
  await checkA11y(page, 'relogin dialog');
  await dialog.getByLabel('Password').fill(server.accounts['ufficio-strade'].password);
  await dialog.getByRole('button', { name: 'Accedi' }).click();
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await page.getByTestId('note-text').inputValue(), 'Nota scritta mentre la sessione scadeva.');
  await page.getByRole('button', { name: 'Aggiungi nota' }).click();
  await page.getByTestId('detail-flash').getByText('Nota interna aggiunta.').waitFor();
  page.assertClean([/401/]);
  await page.context().close();
});

test('at 200% zoom (640 px wide) the pages reflow without sideways scrolling', async () => {
  const r = await fileReport({ category: 'buche', title: 'Zoom' });
  const page = await newPage(browser, { viewport: { width: 640, height: 900 } });
  await login(page, 'supervisore');
  for (const [path, ready] of [
    ['/staff/coda', '[data-testid="queue-table"]'],
    [`/staff/segnalazioni/${r.code}`, '[data-testid="timeline"]'],
    ['/staff/nuova', 'form.staff-urp'],
    ['/staff/statistiche', 'canvas[data-testid="chart-workload"]'],
  ]) {
    await page.goto(server.url + path);
    await page
      .locator(ready)
      .first()
      .waitFor({ timeout: 15_000 })
      .catch((e) => {
        throw new Error(`${path}: ${ready} did not appear: ${e.message}`);
      });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 1, `${path} scrolls sideways by ${overflow}px`);
  }
  await screenshot(page, 'staff-zoom-dashboard');
  page.assertClean();
  await page.context().close();
});

test('the supervisor narrows the municipality queue to one office; the admin sees the accounts', async () => {
  const g = await fileReport({ category: 'verde', title: 'Siepe da potare' });
  const b = await fileReport({ category: 'buche', title: 'Buca da filtrare' });
  const page = await newPage(browser);
  await login(page, 'supervisore');
  await page.getByRole('heading', { level: 1, name: 'Segnalazioni del Comune' }).waitFor();
  await page.locator(`tr[data-code="${b.code}"]`).waitFor();
  await page.getByTestId('filter-office').locator('option[value="verde"]').waitFor({ state: 'attached' });
  await page.getByTestId('filter-office').selectOption('verde');
  await page.getByRole('button', { name: 'Applica filtri' }).click();
  await page.locator(`tr[data-code="${g.code}"]`).waitFor();
  assert.equal(await page.locator(`tr[data-code="${b.code}"]`).count(), 0);
  assert.match(page.url(), /ufficio=verde/);
  await checkA11y(page, 'supervisor queue');
  await screenshot(page, 'staff-queue-supervisor');
  page.assertClean();
  await page.context().close();

  const admin = await newPage(browser);
  await login(admin, 'admin');
  await admin.getByRole('heading', { level: 1, name: 'Amministrazione' }).waitFor();
  await admin.getByRole('cell', { name: 'Ufficio Verde pubblico' }).waitFor();
  await checkA11y(admin, 'admin');
  admin.assertClean();
  await admin.context().close();
});

test('the admin creates an office by keyboard and hands another office\'s work to it, and the log says so', async () => {
  const page = await newPage(browser);
  await login(page, 'admin');
  await page.getByRole('heading', { level: 1, name: 'Amministrazione' }).waitFor();
  // Messages are also announced in a hidden live region: look in the page.
  const main = page.locator('#main');
  await page.getByRole('rowheader', { name: 'ente-parco' }).waitFor();
  // The whole form by keyboard: type, Tab to the next control, Enter.
  await page.getByLabel('Codice (obbligatorio)').focus();
  await page.keyboard.type('mobilita');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Mobilità e traffico');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Tab');
  await page.keyboard.type('mobilita@comune.pisa.example');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await main.getByText('Ufficio «Mobilità e traffico» creato.').waitFor();
  await page.getByRole('rowheader', { name: 'mobilita' }).waitFor();
  await page.getByRole('cell', { name: 'Ufficio creato' }).waitFor();

  // A zone uploaded as GeoJSON sends the road signs around the Duomo to
  // the new office; the tester says so for a typed point.
  const [lat, lon] = [43.723, 10.3966];
  const d = 0.002;
  const square = {
    type: 'FeatureCollection',
    features: [{ type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: [[[lon - d, lat - d], [lon + d, lat - d], [lon + d, lat + d], [lon - d, lat + d], [lon - d, lat - d]]] } }],
  };
  await page.getByLabel('Nome della zona (obbligatorio)').fill('Piazza dei Miracoli');
  await page.getByLabel('Ufficio competente (obbligatorio)').selectOption('mobilita');
  await page.getByLabel('Solo per la categoria').selectOption('segnaletica');
  await page.getByLabel('Oppure: il confine da un file GeoJSON').setInputFiles({ name: 'zona.geojson', mimeType: 'application/geo+json', buffer: Buffer.from(JSON.stringify(square)) });
  await page.getByRole('button', { name: 'Aggiungi la zona' }).click();
  await main.getByText('Zona «Piazza dei Miracoli» aggiunta.').waitFor();
  await page.getByRole('rowheader', { name: 'Piazza dei Miracoli' }).waitFor();
  await page.getByLabel('Latitudine (obbligatorio)').fill(String(lat));
  await page.getByLabel('Longitudine (obbligatorio)').fill(String(lon));
  await page.getByLabel('Categoria (obbligatorio)', { exact: true }).selectOption('segnaletica');
  await page.getByRole('button', { name: 'Verifica' }).click();
  const result = page.getByTestId('routing-result');
  await result.getByText('Mobilità e traffico').waitFor();
  await result.getByText('la zona «Piazza dei Miracoli»').waitFor();
  await result.getByText('Pisa').waitFor();
  // Clicking the map fills the coordinates in.
  await page.getByLabel('Latitudine (obbligatorio)').fill('');
  await page.getByRole('region', { name: 'Mappa del Comune: fai clic per scegliere il punto' }).click();
  assert.notEqual(await page.getByLabel('Latitudine (obbligatorio)').inputValue(), '');

  // Deactivating says what depends on the office, and where it goes.
  await page.getByLabel('Ufficio da disattivare (obbligatorio)').selectOption('ente-parco');
  await main.getByText(/segnalazioni aperte, \d+ categorie e \d+ zone/).waitFor();
  await page.getByLabel('Passa il lavoro a').selectOption('mobilita');
  await page.getByRole('button', { name: "Disattiva l'ufficio" }).click();
  await main.getByText('Ufficio disattivato.').waitFor();
  const row = page.getByRole('row', { name: /^ente-parco/ });
  await row.getByRole('cell', { name: 'Disattivato' }).waitFor();
  await page.getByRole('cell', { name: 'Ufficio disattivato' }).waitFor();
  // A new account gets a password shown once; it can be reset and disabled.
  await page.getByLabel('Nome utente (obbligatorio)').fill('sportello-2');
  await page.getByLabel('Nome e cognome (obbligatorio)').fill('Secondo sportello');
  await page.getByRole('button', { name: "Crea l'account" }).click();
  await main.getByText(/Account sportello-2 creato\. Password: [a-z0-9]{6}-/).waitFor();
  await page.getByRole('button', { name: 'Nuova password per sportello-2' }).click();
  await main.getByText(/Nuova password per sportello-2: [a-z0-9]{6}-/).waitFor();
  await page.getByRole('button', { name: 'Disattiva sportello-2' }).click();
  await main.getByText('Account sportello-2 disattivato: le sue sessioni sono terminate.').waitFor();
  await page.getByRole('button', { name: 'Riattiva sportello-2' }).waitFor();
  // Another role and an office for it.
  await page.getByLabel('Account da modificare').selectOption({ label: 'sportello-2 — Secondo sportello' });
  const editing = page.locator('form[aria-labelledby="admin-edit-account-title"]');
  await editing.getByLabel('Ruolo').selectOption('office');
  // bootstrap-italia draws the box over the input: the label is what is clicked.
  await editing.locator('label', { hasText: 'Mobilità e traffico' }).click();
  assert.equal(await editing.getByLabel('Mobilità e traffico').isChecked(), true);
  await editing.getByRole('button', { name: "Salva l'account" }).click();
  await main.getByText('Account sportello-2 modificato.').waitFor();
  const account = page.getByRole('row', { name: /^sportello-2/ });
  await account.getByRole('cell', { name: 'Ufficio', exact: true }).waitFor();
  await account.getByRole('cell', { name: 'mobilita' }).waitFor();
  await checkA11y(page, 'admin offices');
  await screenshot(page, 'staff-admin');
  // A citizen's report of that category at that point goes to the new office.
  const filed = await fileReport({ category: 'segnaletica', title: 'Cartello divelto', lat, lon });
  assert.equal(filed.office?.code, 'mobilita');
  page.assertClean();
  await page.context().close();
});

test('the admin adds a category with a 16-hour SLA for a new office, draws its zone on the map, and a report there goes to that office', async () => {
  const page = await newPage(browser);
  await login(page, 'admin');
  const main = page.locator('#main');
  await page.getByRole('heading', { level: 2, name: 'Categorie', exact: true }).waitFor();
  // The page's contents lead to each section.
  await page.getByRole('navigation', { name: 'In questa pagina' }).getByRole('link', { name: 'Calendario e notifiche' }).click();
  await page.getByRole('heading', { level: 2, name: 'Calendario e notifiche' }).and(page.locator(':focus')).waitFor();

  await page.getByLabel('Codice (obbligatorio)', { exact: true }).fill('arredo');
  await page.getByLabel('Nome (obbligatorio)', { exact: true }).fill('Arredo urbano');
  await page.getByRole('button', { name: "Crea l'ufficio" }).click();
  await main.getByText('Ufficio «Arredo urbano» creato.').waitFor();
  // Its own system gets a webhook: the secret is shown once, and can be renewed.
  await page.getByLabel('Ufficio da modificare').selectOption('arredo');
  await page.getByLabel('Indirizzo del webhook').fill('http://127.0.0.1:9/segnala');
  await page.getByRole('button', { name: "Salva l'ufficio" }).click();
  await main.getByText('Segreto del webhook (mostrato solo ora):').waitFor();
  const first = await main.locator('code').first().innerText();
  assert.match(first, /^whsec_[0-9a-f]{48}$/);
  await page.getByLabel('Ufficio da modificare').selectOption('arredo');
  await page.getByRole('button', { name: 'Nuovo segreto del webhook' }).click();
  await main.getByText('Nuovo segreto per «Arredo urbano»: il precedente non vale più.').waitFor();
  assert.notEqual(await main.locator('code').first().innerText(), first);
  await page.getByLabel('Indirizzo del webhook').fill('');
  await page.getByRole('button', { name: "Salva l'ufficio" }).click();
  await main.getByText('Ufficio «Arredo urbano» modificato.').waitFor();
  // A key for an integration, shown once, then revoked.
  await page.getByLabel('Chi la usa (obbligatorio)').fill('Gestionale arredo');
  await page.getByLabel("Agisce per l'ufficio").selectOption('arredo');
  await page.getByRole('button', { name: 'Emetti la chiave' }).click();
  await main.getByText('Chiave per «Gestionale arredo» emessa.').waitFor();
  await page.getByRole('button', { name: 'Revoca Gestionale arredo' }).click();
  await main.getByText('Chiave «Gestionale arredo» revocata: non funziona più.').waitFor();

  // A category of its own, with a 16-working-hour take-in, by keyboard.
  await page.getByLabel('Codice della categoria (obbligatorio)').focus();
  await page.keyboard.type('panchine');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Panchine rotte');
  await page.keyboard.press('Tab');
  await page.keyboard.type('Broken benches');
  await page.getByLabel('Ufficio competente', { exact: true }).selectOption('arredo');
  await page.getByLabel('Ore lavorative per la presa in carico').fill('16');
  await page.getByLabel('Ore lavorative per la presa in carico').press('Enter');
  await main.getByText('Categoria «Panchine rotte» aggiunta.').waitFor();
  const row = page.getByRole('row', { name: /Panchine rotte/ });
  await row.getByRole('cell', { name: '16 ore lavorative' }).waitFor();
  // Changing it: the form opens with the focus on its heading.
  await page.getByRole('button', { name: 'Modifica Panchine rotte' }).click();
  const heading = page.getByRole('heading', { name: 'Modifica la categoria «Panchine rotte»' });
  await heading.and(page.locator(':focus')).waitFor();
  await page.getByLabel('Giorni previsti per la risoluzione').first().fill('15');
  // An extra question, its code typed where the focus lands.
  const editor = page.locator('form[aria-labelledby="admin-edit-category-panchine"]');
  await editor.getByRole('button', { name: 'Aggiungi una domanda' }).click();
  await page.keyboard.type('seduta');
  await editor.getByLabel('Tipo di risposta').selectOption('singlevaluelist');
  await editor.getByLabel('Domanda', { exact: true }).fill('La seduta è rotta?');
  await editor.getByLabel('Scelte').fill('si: Sì\nno: No');
  await editor.getByRole('button', { name: 'Aggiungi un messaggio' }).click();
  await editor.getByLabel('Con lo stato').selectOption('resolved');
  await editor.getByLabel('Nome del messaggio').fill('Sostituita');
  await editor.getByLabel('Testo in italiano').fill('La panchina {code} è stata sostituita.');
  await editor.getByLabel('Testo in inglese').fill('The bench {code} was replaced.');
  await page.getByRole('button', { name: 'Salva le modifiche' }).click();
  await main.getByText('Categoria «Panchine rotte» modificata.').waitFor();
  await page.getByRole('button', { name: 'Modifica Panchine rotte' }).click();
  await assert.doesNotReject(editor.getByRole('group', { name: 'Domanda 1' }).waitFor());
  assert.equal(await editor.getByLabel('Codice della domanda').inputValue(), 'seduta');
  assert.equal(await editor.getByLabel('Nome del messaggio').inputValue(), 'Sostituita');
  await checkA11y(page, 'category editor with a question and a message');
  await screenshot(page, 'staff-admin-category-editor');
  await editor.getByRole('button', { name: 'Annulla' }).click();
  await page.getByRole('cell', { name: 'Categoria modificata' }).first().waitFor();

  // A zone drawn on the map: four clicks around the centre, one undone and redone.
  await page.getByLabel('Nome della zona (obbligatorio)').fill('Giardino Scotto');
  await page.getByLabel('Ufficio competente (obbligatorio)').selectOption('arredo');
  await page.getByLabel('Solo per la categoria').selectOption('panchine');
  const drawing = page.getByTestId('zone-drawing');
  await page.locator('[data-testid="zone-drawing"].leaflet-container').waitFor();
  const box = await drawing.boundingBox();
  const [cx, cy] = [box.width / 2, box.height / 2];
  const corner = (dx, dy) => drawing.click({ position: { x: cx + dx, y: cy + dy } });
  for (const [dx, dy] of [[-60, -60], [60, -60], [60, 60], [-60, 60]]) await corner(dx, dy);
  await main.getByText('4 vertici: la zona si chiude da sola.').waitFor();
  await page.getByRole('button', { name: "Togli l'ultimo vertice" }).click();
  await main.getByText('3 vertici: la zona si chiude da sola.').waitFor();
  await corner(-60, 60);
  await main.getByText('4 vertici: la zona si chiude da sola.').waitFor();
  await page.getByRole('button', { name: 'Aggiungi la zona' }).click();
  await main.getByText('Zona «Giardino Scotto» aggiunta.').waitFor();
  await page.getByRole('rowheader', { name: 'Giardino Scotto' }).waitFor();

  // The tester, at the centre of its own map (the same view): the zone decides.
  const tester = page.getByRole('region', { name: 'Mappa del Comune: fai clic per scegliere il punto' });
  await tester.and(page.locator('.leaflet-container')).waitFor();
  await tester.click(); // at its centre
  const lat = Number(await page.getByLabel('Latitudine (obbligatorio)').inputValue());
  const lon = Number(await page.getByLabel('Longitudine (obbligatorio)').inputValue());
  await page.getByLabel('Categoria (obbligatorio)', { exact: true }).selectOption('panchine');
  await page.getByRole('button', { name: 'Verifica' }).click();
  const result = page.getByTestId('routing-result');
  await result.getByText('Arredo urbano').waitFor();
  await result.getByText('la zona «Giardino Scotto»').waitFor();

  // The comune's patron saint, every year; then taken away again.
  await page.getByLabel('Data della festività (obbligatorio)').fill('2027-06-17');
  await page.getByLabel('Nome della festività (obbligatorio)').fill('San Ranieri');
  await page.getByLabel('Tipo di giorno').selectOption('annual');
  await page.getByRole('button', { name: 'Aggiungi al calendario' }).click();
  await main.getByText('«San Ranieri» aggiunta al calendario.').waitFor();
  await page.getByRole('button', { name: 'Togli San Ranieri (17 giugno 2027)' }).waitFor();
  await page.getByRole('heading', { level: 3, name: 'Notifiche non consegnate' }).waitFor();
  await checkA11y(page, 'admin categories, zones and calendar');
  await screenshot(page, 'staff-admin-console');
  await page.getByRole('button', { name: 'Togli San Ranieri (17 giugno 2027)' }).click();
  await main.getByText('«San Ranieri» tolta dal calendario.').waitFor();

  // A citizen's broken bench at that point reaches the new office, with the category's 16 hours.
  const filed = await fileReport({ category: 'panchine', title: 'Panchina rotta', lat, lon });
  assert.equal(filed.office?.code, 'arredo');
  page.assertClean();
  await page.context().close();
});

test('a supervisor reads the configuration without changing it: categories, zones, the tester and the log', async () => {
  const page = await newPage(browser);
  await login(page, 'supervisore');
  await page.getByRole('navigation').getByRole('link', { name: 'Configurazione' }).click();
  await page.getByRole('heading', { level: 1, name: 'Configurazione del Comune' }).waitFor();
  const main = page.locator('#main');
  await main.getByRole('rowheader', { name: 'Panchine rotte' }).waitFor();
  await main.getByRole('rowheader', { name: 'Giardino Scotto' }).waitFor();
  assert.equal(await main.getByRole('button', { name: /^Modifica|^Elimina/ }).count(), 0);
  assert.equal(await main.getByRole('heading', { name: /^Nuova/ }).count(), 0);
  await main.getByRole('heading', { level: 2, name: 'Registro delle modifiche' }).waitFor();
  await main.getByRole('cell', { name: 'Zona aggiunta' }).first().waitFor();
  await page.getByLabel('Latitudine (obbligatorio)').fill('43.7230');
  await page.getByLabel('Longitudine (obbligatorio)').fill('10.3966');
  await page.getByLabel('Categoria (obbligatorio)', { exact: true }).selectOption('buche');
  await page.getByRole('button', { name: 'Verifica' }).click();
  await page.getByTestId('routing-result').getByText('Pisa').waitFor();
  await checkA11y(page, 'configuration (supervisor)');
  await screenshot(page, 'staff-configuration');
  page.assertClean();
  await page.context().close();
});

test('every supervisor page reads in English after the switch', async () => {
  const r = await fileReport({ category: 'buche', title: 'English check' });
  const page = await newPage(browser);
  await login(page, 'supervisore');
  await page.getByTestId('lang-switch').click();
  await page.getByRole('heading', { level: 1, name: "The municipality's reports" }).waitFor();
  for (const [path, h1] of [
    [`/staff/segnalazioni/${r.code}`, new RegExp(r.code)],
    ['/staff/escalation', /^Escalations$/],
    ['/staff/smistamento', /^Triage$/],
    ['/staff/statistiche', /^Office workload$/],
    ['/staff/nuova', /^New report on behalf of a citizen$/],
    ['/staff/richiamate', /^Citizen callbacks$/],
  ]) {
    await page.goto(server.url + path);
    await page.getByRole('heading', { level: 1, name: h1 }).waitFor();
    await page.locator('main :is(table, form, [data-testid="timeline"], .staff-empty)').first().waitFor();
    assert.equal(await page.getAttribute('html', 'lang'), 'en');
    assert.doesNotMatch(await page.locator('main').innerText(), /⟦/);
  }
  await page.getByRole('heading', { level: 1, name: 'Citizen callbacks' }).waitFor();
  await checkA11y(page, 'callbacks in English');
  page.assertClean();
  await page.context().close();
});

test('roles see only their pages: an office cannot open the dashboard', async () => {
  const page = await newPage(browser);
  await login(page, 'ufficio-verde', '/staff/statistiche');
  await page.getByRole('heading', { level: 1, name: 'Pagina non disponibile' }).waitFor();
  const nav = await page.locator('nav.site-nav').innerText();
  assert.doesNotMatch(nav, /Statistiche|Escalation|Richiamate/);
  await checkA11y(page, 'forbidden');
  page.assertClean();
  await page.context().close();
});

// Last: a second comune changes what the maps fit to.
test('the platform administrator serves a new comune with its first administrator', async () => {
  const page = await newPage(browser);
  await login(page, 'piattaforma');
  await page.getByRole('heading', { level: 1, name: 'Amministrazione' }).waitFor();
  const main = page.locator('#main');
  await page.getByRole('heading', { level: 2, name: 'Comuni della piattaforma' }).waitFor();
  await page.getByLabel('Cerca il Comune').fill('Bagno a Ripoli');
  await page.getByRole('button', { name: 'Cerca', exact: true }).click();
  await page.getByLabel('Comune da aggiungere (obbligatorio)').selectOption('048001');
  await page.getByLabel('Nome utente del primo amministratore (obbligatorio)').fill('admin-bagno');
  await page.getByLabel('Nome e cognome del primo amministratore (obbligatorio)').fill('Amministratore Bagno a Ripoli');
  await page.getByRole('button', { name: 'Aggiungi il Comune' }).click();
  await main.getByText(/Bagno a Ripoli è servito \(codici [A-Z0-9]+-…\)\. Amministratore admin-bagno, password: [a-z0-9]{6}-/).waitFor();
  await page.getByRole('rowheader', { name: '048001' }).waitFor();
  await checkA11y(page, 'platform');
  await screenshot(page, 'staff-platform');
  page.assertClean();
  await page.context().close();
});
