// The citizens' site, as a citizen uses it: filing a report on the map
// through the three steps, the draft, errors next to their fields, the
// follow-up and public pages, the public reports, the language switch, and
// the statement pages. Every page and step is checked with axe.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { startServer, launchBrowser, newPage, checkA11y, screenshot, apiCall, apiLogin, png } from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// ---- helpers ----

const PISA = { lat: 43.7159, lon: 10.4018 };

/** Files a report through the API (for scenarios that start later). */
async function fileReport(fields = {}) {
  const res = await apiCall(server.url, 'reports', {
    method: 'POST',
    json: {
      category: 'buche',
      lat: PISA.lat + (Math.random() - 0.5) * 0.004,
      lon: PISA.lon + (Math.random() - 0.5) * 0.004,
      title: 'Buca davanti alla scuola',
      description: 'Una buca profonda sul lato destro della strada.',
      reporter: { name: 'Giulia Bianchi', email: 'giulia@example.com', contact: 'email' },
      ...fields,
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function transition(token, code, body) {
  const res = await apiCall(server.url, `reports/${code}/transitions`, { method: 'POST', token, json: body });
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

async function h1(page) {
  return (await page.locator('main h1').innerText()).trim();
}

/** Waits until the page drawn is the one with this main heading (client-side
 * navigation draws after the URL changes). */
async function waitH1(page, text) {
  await page.waitForFunction((t) => document.querySelector('main h1')?.textContent?.trim() === t, text);
}

/** Step 1: accept the privacy notice and go on. */
async function acceptPrivacy(page) {
  await page.locator('ol.steps li[aria-current="step"]').filter({ hasText: 'Informativa' }).waitFor();
  await page.locator('label[for="c-privacy"]').click();
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.locator('ol.steps li[aria-current="step"]').filter({ hasText: 'Dati della segnalazione' }).waitFor();
}

/** Clicks the map (no tiles: a plain surface) at its centre, plus an offset. */
async function clickMap(page, dx = 0, dy = 0) {
  const map = page.locator('[data-testid="form-map"][data-ready="true"]');
  await map.waitFor();
  await map.scrollIntoViewIfNeeded();
  const box = await map.boundingBox();
  await page.mouse.click(box.x + box.width / 2 + dx, box.y + box.height / 2 + dy);
  await page.locator('[data-testid="point-text"].has-point').waitFor();
}

/** Waits until the category list for the point is loaded. */
async function categoriesLoaded(page) {
  await page.locator('#fld-category:not([disabled]) option[value="buche"]').waitFor({ state: 'attached' });
}

// ---- tests ----

test('a citizen files a report by clicking the map, goes back once, gets the receipt; the office takes it in charge and the follow-up page shows it', async () => {
  const page = await newPage(browser, { acceptDownloads: true });
  // The tracking token travels in a header, never in an upload's URL (URLs
  // end up in logs).
  const uploads = [];
  page.on('request', (req) => {
    if (/\/attachments/.test(req.url()) && req.method() === 'POST') uploads.push({ url: req.url(), token: req.headers()['x-tracking-token'] });
  });
  await page.goto(server.url + '/');
  assert.equal(await h1(page), 'Segnala un disservizio');
  await checkA11y(page, 'home');
  await screenshot(page, 'citizen-home');

  await page.getByTestId('cta').click();
  await page.waitForURL(/\/segnala$/);
  await page.locator('ol.steps li[aria-current="step"]').waitFor();
  assert.match(await page.title(), /Passo 1 di 3/);
  // The step's heading has the focus after navigation.
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H2');
  await checkA11y(page, 'form step 1');
  await screenshot(page, 'citizen-form-1');

  // Going on without accepting the notice: an error next to the checkbox.
  await page.getByRole('button', { name: 'Avanti' }).click();
  const privacyError = page.locator('[data-field-wrap="privacy"] .field-error');
  await privacyError.waitFor();
  assert.match(await privacyError.innerText(), /informativa/);
  assert.equal(await page.locator('#c-privacy').getAttribute('aria-invalid'), 'true');
  await acceptPrivacy(page);
  await page.waitForURL(/passo=2/);

  // The map opens on the served comune (no fixed centre): its middle is in
  // the territory.
  await clickMap(page);
  await categoriesLoaded(page);
  await checkA11y(page, 'form step 2');
  // Before choosing photos the citizen is told the comune checks them before publishing.
  assert.match(await page.locator('[data-field-wrap="images"] .field-hint').innerText(), /Il Comune verifica le foto prima di pubblicarle/);
  await page.locator('#fld-address').fill('Piazza dei Miracoli');
  await page.selectOption('#fld-category', 'buche');
  await page.locator('#fld-title').fill('Buca in piazza');
  await page.locator('#fld-description').fill('Una buca larga mezzo metro vicino alla fermata.');
  await page.locator('#fld-images').setInputFiles({ name: 'buca.png', mimeType: 'image/png', buffer: png() });
  const preview = page.locator('[data-testid="images-list"] img');
  await preview.waitFor();
  assert.match(await preview.getAttribute('alt'), /buca\.png/);
  await page.locator('#fld-reporter-name').fill('Maria Verdi Rossellini');
  await page.locator('#fld-reporter-email').fill('maria.verdi@example.com');
  await screenshot(page, 'citizen-form-2');
  await page.getByRole('button', { name: 'Avanti' }).click();

  await page.waitForURL(/passo=3/);
  const summary = page.locator('dl.summary');
  await summary.waitFor();
  assert.match(await summary.innerText(), /Buca in piazza/);
  assert.match(await summary.innerText(), /buca\.png/);
  assert.match(await page.locator('main').innerText(), /hanno valore di dichiarazione/);
  await checkA11y(page, 'form step 3');

  // Back once: everything is still there.
  await page.getByRole('button', { name: 'Indietro' }).click();
  await page.waitForURL(/passo=2/);
  assert.equal(await page.locator('#fld-title').inputValue(), 'Buca in piazza');
  assert.equal(await page.locator('[data-testid="images-list"] img').count(), 1);
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForURL(/passo=3/);
  await screenshot(page, 'citizen-form-3');

  // The confirmation dialog: Esc closes it and gives the focus back.
  await page.getByTestId('send').click();
  const dialog = page.locator('dialog[open]');
  await dialog.waitFor();
  await checkA11y(page, 'summary with dialog');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' }).catch(() => {});
  await page.waitForFunction(() => !document.querySelector('dialog[open]'));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'send');
  await page.getByTestId('send').click();
  await page.getByRole('button', { name: 'Sì, invia' }).click();

  const codeEl = page.getByTestId('report-code');
  await codeEl.waitFor();
  const code = (await codeEl.innerText()).trim();
  assert.match(code, /^PI-\d{4}-\d{6}$/);
  assert.equal(await h1(page), 'Segnalazione inviata');
  // The photo goes to the report.
  await page.locator('.upload-item.upload-ok').waitFor();
  assert.equal(uploads.length, 1);
  assert.ok(!uploads[0].url.includes('token='), uploads[0].url);
  assert.ok(uploads[0].token, 'the upload carries X-Tracking-Token');
  await screenshot(page, 'citizen-sent');
  await checkA11y(page, 'report sent');

  // The PDF receipt, from the server.
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('receipt').click()]);
  const pdf = readFileSync(await download.path());
  assert.equal(pdf.subarray(0, 4).toString('latin1'), '%PDF');
  const href = await page.getByTestId('receipt').getAttribute('href');
  const res = await fetch(server.url + href);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/pdf/);
  assert.equal(Buffer.from(await res.arrayBuffer()).subarray(0, 4).toString('latin1'), '%PDF');

  // The one-question rating.
  await page.locator('label[for="r-rating-5"]').click();
  await page.getByRole('button', { name: 'Invia la valutazione' }).click();
  await page.getByTestId('rating-thanks').waitFor();

  // The follow-up page (with the token): status, timeline, the photo, own data.
  await page.getByTestId('follow-link').click();
  await page.waitForURL(new RegExp(`/segnalazioni/${code}\\?token=`));
  await page.getByTestId('status').waitFor();
  await waitH1(page, 'Buca in piazza');
  assert.equal((await page.getByTestId('status').innerText()).trim(), 'Ricevuta');
  const timeline = await page.getByTestId('timeline').innerText();
  assert.match(timeline, /Segnalazione ricevuta/);
  assert.match(timeline, /Aggiunto un allegato/);
  assert.equal(await page.locator('.photo-grid img').count(), 1);
  assert.match(await page.locator('main').innerText(), /Maria Verdi Rossellini/);
  await checkA11y(page, 'follow-up page');
  await screenshot(page, 'citizen-follow-up');

  // The office takes it in charge from its console (the link in its email),
  // with a public message; the citizen's follow-up page shows both.
  const followUrl = page.url();
  const office = await newPage(browser);
  await office.goto(`${server.url}/staff/segnalazioni/${code}`);
  await office.getByLabel('Nome utente').fill('ufficio-strade');
  await office.getByLabel('Password', { exact: false }).fill(server.accounts['ufficio-strade'].password);
  await office.getByRole('button', { name: 'Accedi' }).click();
  await office.getByRole('heading', { level: 1, name: new RegExp(code) }).waitFor();
  const takenIn = 'La squadra strade passerà entro domani a chiudere la buca.';
  await office.getByTestId('takein-message').fill(takenIn);
  await office.getByTestId('take-in').click();
  await office.getByTestId('detail-flash').getByText('Segnalazione presa in carico.').waitFor();
  office.assertClean();
  await office.context().close();
  await page.goto(followUrl);
  await page.getByTestId('status').waitFor();
  assert.equal((await page.getByTestId('status').innerText()).trim(), 'Presa in carico');
  assert.match(await page.getByTestId('timeline').innerText(), /La squadra strade passerà entro domani/);
  await checkA11y(page, 'follow-up page after take-in');

  // The public page of the same report: no personal data anywhere.
  await page.goto(`${server.url}/segnalazioni/${code}`);
  await page.getByTestId('status').waitFor();
  const html = await page.content();
  assert.ok(!html.includes('Maria Verdi'), 'the public page shows the reporter name');
  assert.ok(!html.includes('maria.verdi@example.com'), 'the public page shows the reporter email');
  assert.match(await page.locator('main').innerText(), /pagina pubblica/);
  await checkA11y(page, 'report public page');
  await screenshot(page, 'citizen-report-public');
  page.assertClean();
  await page.context().close();
});

test('the draft survives a reload in the middle of the form', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/segnala');
  await acceptPrivacy(page);
  await clickMap(page, 40, -30);
  await categoriesLoaded(page);
  await page.selectOption('#fld-category', 'illuminazione');
  await page.locator('#fld-title').fill('Lampione spento');
  await page.locator('#fld-description').fill('Il lampione all’angolo è spento da una settimana.');
  await page.locator('label[for="r-reporter-contact-phone"]').click();
  await page.locator('#fld-reporter-phone').fill('050 910111');
  await page.locator('#fld-reporter-name').fill('Paolo Neri');
  // Five photos at once fill the picker: it is disabled, and the focus moves
  // to the sentence saying why.
  const images = page.locator('#fld-images');
  await images.focus();
  await images.setInputFiles(Array.from({ length: 5 }, (_, i) => ({ name: `foto-${i + 1}.png`, mimeType: 'image/png', buffer: png() })));
  await page.locator('[data-field-wrap="images"] .files-full').waitFor();
  assert.ok(await images.isDisabled());
  assert.equal(await page.evaluate(() => document.activeElement?.className), 'files-full');
  // The contact details are kept for this browser session only, the rest in
  // localStorage.
  const stored = await page.evaluate(() => ({
    local: localStorage.getItem('segnala.citizen.draft') ?? '',
    session: sessionStorage.getItem('segnala.citizen.draft.contact') ?? '',
  }));
  assert.match(stored.local, /Lampione spento/);
  assert.ok(!stored.local.includes('050 910111') && !stored.local.includes('Paolo Neri'), stored.local);
  assert.match(stored.session, /050 910111/);
  assert.match(stored.session, /Paolo Neri/);
  assert.match(await page.locator('.draft-note').innerText(), /finché non chiudi questa scheda o il browser/);

  await page.reload();
  await page.locator('[data-testid="point-text"].has-point').waitFor();
  assert.match(page.url(), /passo=2/);
  assert.equal(await page.locator('#fld-title').inputValue(), 'Lampione spento');
  assert.match(await page.locator('#fld-description').inputValue(), /una settimana/);
  assert.equal(await page.locator('#r-reporter-contact-phone').isChecked(), true);
  assert.equal(await page.locator('#fld-reporter-phone').inputValue(), '050 910111');
  await page.locator('#fld-category:not([disabled])').waitFor();
  await page.waitForFunction(() => document.querySelector('#fld-category')?.value === 'illuminazione');
  // The form says that files cannot be kept.
  assert.match(await page.locator('main').innerText(), /immagini e i documenti invece non si possono salvare/);

  // On to the summary, still from the draft.
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForURL(/passo=3/);
  assert.match(await page.locator('dl.summary').innerText(), /Per telefono: 050 910111/);
  await page.reload();
  await page.locator('dl.summary').waitFor();
  assert.match(await page.locator('dl.summary').innerText(), /Lampione spento/);

  // A draft untouched for more than 7 days is dropped, contact details too.
  await page.evaluate(() => {
    const d = JSON.parse(localStorage.getItem('segnala.citizen.draft'));
    d.savedAt = Date.now() - 8 * 24 * 3600 * 1000;
    localStorage.setItem('segnala.citizen.draft', JSON.stringify(d));
  });
  await page.goto(server.url + '/segnala?passo=2');
  await page.locator('ol.steps li[aria-current="step"]').filter({ hasText: 'Informativa' }).waitFor();
  await acceptPrivacy(page);
  assert.equal(await page.locator('#fld-title').inputValue(), '');
  assert.equal(await page.locator('#fld-reporter-name').inputValue(), '');
  assert.equal(await page.evaluate(() => sessionStorage.getItem('segnala.citizen.draft.contact')), null);
  page.assertClean();
  await page.context().close();
});

test('errors appear next to their fields and are announced: outside the territory, missing fields, a wrong phone', async () => {
  // A position far from Pisa, as "Usa la mia posizione" would give it.
  const page = await newPage(browser, { geolocation: { latitude: 45.07, longitude: 7.68 }, permissions: ['geolocation'] });
  await page.goto(server.url + '/segnala');
  await acceptPrivacy(page);
  await page.locator('[data-testid="form-map"][data-ready="true"]').waitFor();

  // Nothing filled in: every required field says what is missing.
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.locator('[data-field-wrap="title"] .field-error:not([hidden])').waitFor();
  for (const f of ['place', 'category', 'title', 'description', 'reporter.email']) {
    assert.ok(await page.locator(`[data-field-wrap="${f}"] .field-error:not([hidden])`).isVisible(), `error for ${f}`);
  }
  // The first invalid field has the focus.
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'fld-address');
  await page.waitForFunction(() => /errori da correggere/.test(document.getElementById('sr-alert')?.textContent ?? ''));

  // The API refuses the point: the error is next to the place.
  await page.getByRole('button', { name: 'Usa la mia posizione' }).click();
  const placeError = page.locator('[data-field-wrap="place"] .field-error');
  await page.waitForFunction(() => /fuori dal territorio/.test(document.querySelector('[data-field-wrap="place"] .field-error')?.textContent ?? ''));
  assert.ok(await placeError.isVisible());
  const address = page.locator('#fld-address');
  assert.equal(await address.getAttribute('aria-invalid'), 'true');
  assert.match(await address.getAttribute('aria-describedby'), /fld-place-error/);
  await page.waitForFunction(() => /fuori dal territorio/.test(document.getElementById('sr-alert')?.textContent ?? ''));
  await checkA11y(page, 'form step 2 with errors');
  await screenshot(page, 'citizen-form-errors');

  // A position in Pisa clears it; a phone number the server refuses comes
  // back from "Invia" next to the phone field.
  await page.context().setGeolocation({ latitude: PISA.lat, longitude: PISA.lon });
  await page.getByRole('button', { name: 'Usa la mia posizione' }).click();
  await page.waitForFunction(() => document.querySelector('[data-field-wrap="place"] .field-error')?.hidden === true);
  await categoriesLoaded(page);
  // Someone already reported a pothole right there: the form says so.
  const earlier = await fileReport({ lat: PISA.lat, lon: PISA.lon, title: 'Buca già segnalata' });
  await page.selectOption('#fld-category', 'buche');
  const nearby = page.locator('[data-testid="nearby"] a', { hasText: 'Buca già segnalata' });
  await nearby.waitFor();
  assert.equal(await nearby.getAttribute('href'), `/segnalazioni/${earlier.code}`);
  assert.match(await page.getByTestId('nearby').innerText(), /È già stato segnalato\?/);
  await page.locator('#fld-title').fill('Buca');
  await page.locator('#fld-description').fill('Una buca.');
  await page.locator('label[for="r-reporter-contact-phone"]').click();
  await page.locator('#fld-reporter-phone').fill('1234567');
  await page.getByRole('button', { name: 'Avanti' }).click();
  await page.waitForURL(/passo=3/);
  await page.getByTestId('send').click();
  await page.getByRole('button', { name: 'Sì, invia' }).click();
  await page.waitForURL(/passo=2/);
  const phoneError = page.locator('[data-field-wrap="reporter.phone"] .field-error:not([hidden])');
  await phoneError.waitFor();
  assert.match(await phoneError.innerText(), /numero di telefono non è scritto correttamente/);
  await page.waitForFunction(() => document.activeElement?.id === 'fld-reporter-phone');
  await page.waitForFunction(() => /telefono/.test(document.getElementById('sr-alert')?.textContent ?? ''));
  // The refused point and phone were answered with 422: expected here.
  page.assertClean([/status of 422/]);
  await page.context().close();
});

test('follow-up: a public message in the timeline, a message from the citizen, reopening and confirming the fix', async () => {
  const office = await apiLogin(server.url, server.accounts['ufficio-strade']);
  const first = await fileReport({ title: 'Tombino rotto' });
  await transition(office, first.code, { to: 'taken_in', public_message: 'Abbiamo preso in carico la segnalazione.' });

  const page = await newPage(browser);
  const followUrl = `${server.url}/segnalazioni/${first.code}?token=${first.tracking_token}`;
  await page.goto(followUrl);
  await page.getByTestId('status').waitFor();
  assert.equal((await page.getByTestId('status').innerText()).trim(), 'Presa in carico');
  assert.match(await page.getByTestId('timeline').innerText(), /Abbiamo preso in carico la segnalazione/);
  assert.match(await page.locator('.facts').first().innerText(), /Manutenzione strade/);

  // A message for the office: required, then sent and shown in the timeline.
  await page.getByRole('button', { name: 'Invia il messaggio' }).click();
  await page.locator('[data-field-wrap="info-message"] .field-error:not([hidden])').waitFor();
  await page.locator('#fld-info-message').fill('Il coperchio balla al passaggio delle auto.');
  // Pressed twice while the (slowed) request runs: sent once.
  let informationPosts = 0;
  await page.route('**/information', async (route) => {
    informationPosts += 1;
    await new Promise((r) => setTimeout(r, 400));
    await route.continue();
  });
  await page.getByRole('button', { name: 'Invia il messaggio' }).click();
  await page.getByRole('button', { name: 'Invia il messaggio' }).press('Enter');
  await page.locator('.message-result .alert-success').waitFor();
  await page.unroute('**/information');
  assert.equal(informationPosts, 1);

  // A photo whose first sending fails (slowly): pressing "Invia gli allegati"
  // again meanwhile sends nothing more; "Riprova" sends it again and leaves
  // the focus in its row.
  let attachmentPosts = 0;
  await page.route('**/attachments', async (route) => {
    attachmentPosts += 1;
    if (attachmentPosts === 1) {
      await new Promise((r) => setTimeout(r, 400));
      await route.fulfill({ status: 503, json: { error: { code: 'unavailable', message: 'try later' } } });
    } else await route.continue();
  });
  await page.locator('#fld-files').setInputFiles({ name: 'tombino.png', mimeType: 'image/png', buffer: png() });
  await page.getByRole('button', { name: 'Invia gli allegati' }).click();
  await page.getByRole('button', { name: 'Invia gli allegati' }).press('Enter');
  const retry = page.getByRole('button', { name: 'Riprova' });
  await retry.waitFor();
  await retry.focus();
  await page.keyboard.press('Enter');
  await page.locator('.upload-item.upload-ok').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.classList.contains('upload-state')), true);
  assert.equal(attachmentPosts, 2);
  await page.unroute('**/attachments');
  assert.match(await page.getByTestId('timeline').innerText(), /Il coperchio balla/);
  await checkA11y(page, 'follow-up in progress');

  // The office fixes it: the citizen may confirm or reopen.
  await transition(office, first.code, { to: 'resolved', public_message: 'Il tombino è stato sostituito.' });
  await page.reload();
  await page.getByTestId('status').waitFor();
  assert.equal((await page.getByTestId('status').innerText()).trim(), 'Risolta');
  assert.match(await page.getByTestId('timeline').innerText(), /Il tombino è stato sostituito/);
  assert.match(await page.locator('main').innerText(), /riaprire la segnalazione entro il/);
  await checkA11y(page, 'follow-up resolved');
  await screenshot(page, 'citizen-follow-up-resolved');
  // Without the comuni's settings the page does not guess the window.
  await page.route('**/api/v1/municipalities', (route) => route.fulfill({ status: 503, body: '' }));
  await page.reload();
  await page.getByRole('button', { name: 'Riapri la segnalazione' }).waitFor();
  const unknownWindow = await page.locator('.citizen-actions').innerText();
  assert.match(unknownWindow, /Il Comune indica che il problema è risolto\./);
  assert.doesNotMatch(unknownWindow, /entro il|Puoi confermarlo/);
  await page.unroute('**/api/v1/municipalities');
  await page.reload();
  await page.getByRole('button', { name: 'Riapri la segnalazione' }).waitFor();

  // Reopening needs a reason.
  await page.getByRole('button', { name: 'Riapri la segnalazione' }).click();
  await page.locator('[data-field-wrap="message"] .field-error:not([hidden])').waitFor();
  await page.locator('#fld-message').fill('Il tombino fa ancora rumore al passaggio delle auto.');
  await page.getByRole('button', { name: 'Riapri la segnalazione' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.trim() === 'In lavorazione');
  assert.match(await page.getByTestId('timeline').innerText(), /Riaperta dal cittadino/);
  assert.match(await page.locator('main .alert-success').innerText(), /è stata riaperta/);
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');

  // Another report: the citizen confirms the fix.
  const second = await fileReport({ title: 'Cartello caduto', category: 'marciapiedi' });
  await transition(office, second.code, { to: 'taken_in' });
  await transition(office, second.code, { to: 'resolved' });
  await page.goto(`${server.url}/segnalazioni/${second.code}?token=${second.tracking_token}`);
  await page.getByRole('button', { name: 'Confermo che è risolto' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid="status"]')?.textContent?.trim() === 'Chiusa');

  // A wrong token is refused plainly.
  await page.goto(`${server.url}/segnalazioni/${second.code}?token=sbagliato`);
  await page.locator('main .alert-danger').waitFor();
  assert.match(await page.locator('main .alert-danger').innerText(), /link non è valido/);
  page.assertClean([/403/, /503/]);
  await page.context().close();
});

test('public reports: the resolved count, a filter with counts, the map and list tabs', async () => {
  const office = await apiLogin(server.url, server.accounts['ufficio-strade']);
  const solved = await fileReport({ title: 'Buca riparata' });
  await transition(office, solved.code, { to: 'taken_in' });
  await transition(office, solved.code, { to: 'resolved' });
  await fileReport({ title: 'Lampione lampeggiante', category: 'illuminazione' });
  const stats = (await apiCall(server.url, 'stats/public')).body;

  const page = await newPage(browser);
  await page.goto(server.url + '/segnalazioni');
  const resolved = page.getByTestId('resolved');
  await page.waitForFunction(() => document.querySelector('[data-testid="resolved"]')?.textContent);
  const n = stats.resolved_last_12_months;
  assert.ok(n >= 1);
  assert.equal(
    (await resolved.innerText()).trim(),
    n === 1 ? 'Negli ultimi 12 mesi è stata risolta 1 segnalazione.' : `Negli ultimi 12 mesi sono state risolte ${n} segnalazioni.`,
  );

  // The filter lists types with their counts.
  const lights = stats.categories.find((c) => c.category.code === 'illuminazione');
  const option = page.locator('#filter-category option[value="illuminazione"]');
  await option.waitFor({ state: 'attached' });
  assert.match(await option.innerText(), new RegExp(`Illuminazione pubblica \\(${lights.total}`));

  // Map tab (the default): markers with popups linking to the public page.
  assert.equal(await page.getByTestId('tab-map').getAttribute('aria-selected'), 'true');
  await page.waitForFunction(() => Number(document.querySelector('#panel-map .reports-map')?.dataset.markers) >= 2);
  await page.locator('#panel-map path.leaflet-interactive').last().click();
  const popupLink = page.locator('.leaflet-popup a[href^="/segnalazioni/"]');
  await popupLink.waitFor();
  await checkA11y(page, 'public reports map tab');
  await screenshot(page, 'citizen-reports-map');

  // Keyboard: the arrow key moves to the list tab.
  await page.getByTestId('tab-map').focus();
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.getByTestId('tab-list').getAttribute('aria-selected'), 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'tab-list');
  assert.ok(await page.locator('#panel-map').isHidden());
  const items = page.locator('[data-testid="report-list"] li');
  await items.first().waitFor();
  assert.ok((await items.count()) >= 2);
  await checkA11y(page, 'public reports list tab');
  await screenshot(page, 'citizen-reports-list');

  // Filtering by type.
  await page.selectOption('#filter-category', 'illuminazione');
  await page.waitForFunction(
    (total) => document.querySelectorAll('[data-testid="report-list"] li').length === total,
    lights.total,
  );
  assert.match(await items.first().innerText(), /Illuminazione pubblica/);
  assert.match(page.url(), /tipo=illuminazione/);

  // A report's public page from the list.
  await items.first().locator('a').click();
  await page.waitForURL(/\/segnalazioni\/PI-/);
  await page.getByTestId('status').waitFor();
  page.assertClean();
  await page.context().close();
});

test('the form switches to English and keeps what was typed', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/segnala');
  await acceptPrivacy(page);
  await page.locator('#fld-title').fill('Rami sulla strada');
  await page.getByTestId('lang-switch').click();
  await waitH1(page, 'Report a problem');
  assert.match(await page.title(), /Step 2 of 3/);
  assert.equal(await page.locator('label[for="fld-title"]').innerText(), 'Title');
  assert.equal(await page.locator('#fld-title').inputValue(), 'Rami sulla strada');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'lang-switch');
  await page.locator('[data-testid="form-map"][data-ready="true"]').waitFor();
  await checkA11y(page, 'form step 2 in English');
  await screenshot(page, 'citizen-form-en');
  await page.getByTestId('lang-switch').click();
  await waitH1(page, 'Segnala un disservizio');
  page.assertClean();
  await page.context().close();
});

test('the accessibility statement and the privacy notice', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/');
  // Client-side navigation from the footer, with the focus on the new heading.
  await page.locator('footer a[href="/accessibilita"]').click();
  await page.waitForURL(/\/accessibilita$/);
  await waitH1(page, 'Dichiarazione di accessibilità');
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1');
  const text = await page.locator('main').innerText();
  assert.match(text, /parzialmente conforme/);
  assert.match(text, /axe-core/);
  assert.match(text, /Meccanismo di feedback/);
  assert.match(text, /AgID/);
  await checkA11y(page, 'accessibility statement');
  await screenshot(page, 'citizen-accessibility');

  await page.locator('footer a[href="/privacy"]').click();
  await page.waitForURL(/\/privacy$/);
  await waitH1(page, 'Informativa sulla privacy');
  assert.match(await page.locator('main').innerText(), /Titolare del trattamento/);
  await checkA11y(page, 'privacy notice');
  await screenshot(page, 'citizen-privacy');

  // The browser's Back button.
  await page.goBack();
  await page.waitForURL(/\/accessibilita$/);
  await page.waitForFunction(() => document.querySelector('main h1')?.textContent === 'Dichiarazione di accessibilità');
  page.assertClean();
  await page.context().close();
});

test('reflow: at 320 CSS pixels (400% zoom of 1280) no page scrolls sideways', async () => {
  const page = await newPage(browser, { viewport: { width: 320, height: 640 } });
  const noSideScroll = async (name) => {
    const [scroll, client] = await page.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
    assert.ok(scroll <= client + 1, `${name}: the page is ${scroll}px wide in a ${client}px window`);
  };
  await page.goto(server.url + '/');
  await waitH1(page, 'Segnala un disservizio');
  await noSideScroll('home');
  await page.goto(server.url + '/segnala');
  await acceptPrivacy(page);
  await page.locator('[data-testid="form-map"][data-ready="true"]').waitFor();
  await noSideScroll('form step 2');
  await screenshot(page, 'citizen-form-320');
  await page.goto(server.url + '/segnalazioni?vista=elenco');
  await page.getByTestId('resolved').waitFor();
  await noSideScroll('public reports');
  await page.goto(server.url + '/accessibilita');
  await waitH1(page, 'Dichiarazione di accessibilità');
  await noSideScroll('accessibility statement');
  page.assertClean();
  await page.context().close();
});

test('public reports: "Carica altre" loads the next page and moves the focus to it', async () => {
  // Reports entered at the URP counter (staff are not limited per address).
  const urp = await apiLogin(server.url, server.accounts.urp);
  for (let i = 0; i < 21; i++) {
    const res = await apiCall(server.url, 'reports', {
      method: 'POST',
      token: urp,
      json: {
        category: 'cassonetti',
        lat: PISA.lat + i * 0.0003,
        lon: PISA.lon,
        title: `Sacchi abbandonati ${i + 1}`,
        description: 'Sacchi di rifiuti lasciati accanto ai cassonetti.',
        channel: 'counter',
        reporter: { phone: '050 910111', contact: 'phone' },
      },
    });
    assert.equal(res.status, 201, JSON.stringify(res.body));
  }
  const page = await newPage(browser);
  await page.goto(server.url + '/segnalazioni?vista=elenco&tipo=cassonetti');
  const items = page.locator('[data-testid="report-list"] li');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-list"] li').length === 20);
  const more = page.getByRole('button', { name: 'Carica altre segnalazioni' });
  await more.click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="report-list"] li').length === 21);
  assert.ok(await more.isHidden());
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), await items.nth(20).locator('a').innerText());
  await checkA11y(page, 'public reports list, second page');
  page.assertClean();
  await page.context().close();
});

test('with a geocoder configured, an address search places the point', async () => {
  // A Nominatim-like geocoder on loopback, as the outside world.
  const queries = [];
  const geo = createServer((req, res) => {
    queries.push(new URL(req.url, 'http://x').searchParams.get('q'));
    res.writeHead(200, { 'content-type': 'application/json', 'access-control-allow-origin': '*' });
    res.end(JSON.stringify([{ display_name: 'Piazza del Duomo, Pisa', lat: '43.7230', lon: '10.3966' }]));
  });
  await new Promise((ok) => geo.listen(0, '127.0.0.1', ok));
  const own = await startServer({
    SEGNALA_GEOCODER_URL: `http://127.0.0.1:${geo.address().port}/search?format=json&q={q}`,
  });
  try {
    const page = await newPage(browser);
    await page.goto(own.url + '/segnala');
    await acceptPrivacy(page);
    const search = page.getByRole('button', { name: "Cerca l'indirizzo" });
    await search.waitFor();
    await page.locator('#fld-address').fill('piazza duomo');
    await search.click();
    await page.locator('.geo-status', { hasText: 'Abbiamo trovato 1 indirizzo' }).waitFor();
    // Only the "found" line is a live region, not the buttons.
    assert.equal(await page.locator('[aria-live] button').count(), 0);
    await page.getByRole('button', { name: 'Piazza del Duomo, Pisa' }).click();
    await page.locator('[data-testid="point-text"].has-point').waitFor();
    // The pressed button is gone: the focus is on the address.
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'fld-address');
    assert.match(await page.getByTestId('point-text').innerText(), /43\.72300.*10\.39660/);
    assert.equal(await page.locator('#fld-address').inputValue(), 'Piazza del Duomo, Pisa');
    await categoriesLoaded(page);
    assert.deepEqual(queries, ['piazza duomo']);
    await checkA11y(page, 'form step 2 with a geocoder');
    page.assertClean();
    await page.context().close();
  } finally {
    await own.stop();
    geo.close();
  }
});

test('a title with HTML in it is shown as text on the map, in the tooltip and popup, and in the list', async () => {
  const title = '<b>x</b><img src=x>';
  const r = await fileReport({ title, category: 'graffiti' });
  const page = await newPage(browser);
  await page.goto(server.url + '/segnalazioni?tipo=graffiti');
  await page.waitForFunction(() => document.querySelector('#panel-map .reports-map')?.dataset.markers === '1');
  const marker = page.locator('#panel-map path.leaflet-interactive');
  await marker.hover();
  const tooltip = page.locator('.leaflet-tooltip');
  await tooltip.waitFor();
  // The status is in words next to the title: the colour is not the only cue.
  assert.equal((await tooltip.innerText()).trim(), `${title} — Ricevuta`);
  assert.match(await page.getByTestId('map-legend').innerText(), /Risolta o chiusa/);
  await marker.click();
  const popup = page.locator('.leaflet-popup-content');
  await popup.waitFor();
  assert.equal((await popup.locator('strong').innerText()).trim(), title);
  assert.equal(await popup.locator(`a[href="/segnalazioni/${r.code}"]`).count(), 1);
  await page.getByTestId('tab-list').click();
  const link = page.locator('[data-testid="report-list"] li a');
  await link.first().waitFor();
  assert.equal((await link.first().innerText()).trim(), title);
  // No element came out of the title anywhere.
  assert.equal(await page.locator('main b, main img, .leaflet-pane b, .leaflet-pane img').count(), 0);

  // The report's own page: the heading and the pin's tooltip.
  await link.first().click();
  await page.getByTestId('status').waitFor();
  await waitH1(page, title);
  await page.locator('.report-map path.leaflet-interactive').hover();
  await page.locator('.leaflet-tooltip').waitFor();
  assert.equal((await page.locator('.leaflet-tooltip').innerText()).trim(), title);
  assert.equal(await page.locator('main b, main img:not(.photo-grid img)').count(), 0);
  page.assertClean();
  await page.context().close();
});

test('public reports: the figures are optional, the comune is chosen when several are served, and a late answer never mixes lists', async () => {
  await fileReport({ title: 'Scritta sul muro del ponte', category: 'graffiti' });
  const page = await newPage(browser);
  // A second comune next to the real one (the demo serves only Pisa).
  await page.route('**/api/v1/municipalities', async (route) => {
    const res = await route.fetch();
    const served = await res.json();
    served.push({ ...served[0], istat_code: '099999', name: 'Comune di Prova', code_prefix: 'PR', bbox: [12.0, 41.0, 12.1, 41.1] });
    await route.fulfill({ response: res, json: served });
  });
  const statsAsked = [];
  page.on('request', (req) => {
    if (req.url().includes('/api/v1/stats/public')) statsAsked.push(new URL(req.url()).searchParams.get('municipality'));
  });
  await page.goto(server.url + '/segnalazioni?vista=elenco');
  await page.getByTestId('resolved').waitFor();
  assert.deepEqual(statsAsked, ['050026']);
  const comune = page.locator('#filter-municipality');
  assert.equal(await comune.inputValue(), '050026');
  await page.locator('[data-testid="report-list"] li').first().waitFor();
  await checkA11y(page, 'public reports with two comuni');

  // The other comune has no statistics (404 here): the list still loads,
  // without the figures.
  await comune.selectOption('099999');
  await page.waitForFunction(() => /Nessuna segnalazione/.test(document.querySelector('.results-count')?.textContent ?? ''));
  assert.ok(await page.getByTestId('resolved').isHidden());
  assert.match(page.url(), /comune=099999/);
  assert.deepEqual(statsAsked, ['050026', '099999']);

  // Back to Pisa, with the list of all types slowed down: a type chosen
  // meanwhile wins, and the slow answer is dropped.
  await page.route(/\/api\/v1\/reports\?(?!.*category=)/, async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await comune.selectOption('050026');
  await page.getByTestId('resolved').waitFor();
  await page.selectOption('#filter-category', 'graffiti');
  await page.waitForTimeout(2000);
  const titles = await page.locator('[data-testid="report-list"] li').allInnerTexts();
  assert.ok(titles.length >= 1);
  for (const t of titles) assert.match(t, /Graffiti/, t);
  page.assertClean([/404/]);
  await page.context().close();
});

test('public reports: without statistics at all the list and the map still load', async () => {
  const page = await newPage(browser);
  await page.route('**/api/v1/stats/public*', (route) => route.fulfill({ status: 500, json: { error: { code: 'internal', message: 'x' } } }));
  await page.goto(server.url + '/segnalazioni?vista=elenco');
  await page.locator('[data-testid="report-list"] li').first().waitFor();
  assert.ok(await page.getByTestId('resolved').isHidden());
  await page.getByTestId('tab-map').click();
  await page.waitForFunction(() => Number(document.querySelector('#panel-map .reports-map')?.dataset.markers) >= 1);
  page.assertClean([/500/]);
  await page.context().close();
});

test('a map holding more than a page of reports shows them in groups, which zoom in when chosen', async () => {
  const own = await startServer({ SEGNALA_REPORTS_PER_IP_PER_HOUR: '1000' });
  try {
    // 230 reports within about 400 m: one group at the comune's zoom.
    for (let i = 0; i < 230; i += 23) {
      await Promise.all(
        Array.from({ length: 23 }, (_, j) =>
          apiCall(own.url, 'reports', {
            method: 'POST',
            json: {
              category: 'buche',
              lat: PISA.lat + ((i + j) % 15) * 0.0002,
              lon: PISA.lon + Math.floor((i + j) / 15) * 0.0002,
              description: 'Una buca profonda sul lato destro della strada.',
            },
          }).then((res) => assert.equal(res.status, 201, JSON.stringify(res.body))),
        ),
      );
    }
    const page = await newPage(browser);
    await page.goto(own.url + '/segnalazioni');
    await page.waitForFunction(() => Number(document.querySelector('#panel-map .reports-map')?.dataset.clusters) >= 1);
    assert.match(await page.locator('.map-note').innerText(), /raggruppate per zona/);
    const group = page.locator('.map-cluster').first();
    // A button with its count and open reports in words.
    assert.equal(await group.getAttribute('role'), 'button');
    assert.match(await group.getAttribute('aria-label'), /^230 segnalazioni in questa zona, di cui aperte 230/);
    await checkA11y(page, 'public reports map with groups');
    const chosen = await group.elementHandle();
    await group.focus();
    await page.keyboard.press('Enter');
    // The map zooms to the group's square and draws what it holds afresh.
    await page.waitForFunction((el) => !el.isConnected, chosen);
    // Closer in, the same reports: still in groups or one by one, never lost.
    await page.waitForFunction(() => {
      const el = document.querySelector('#panel-map .reports-map');
      return el?.dataset.clusters !== undefined || el?.dataset.markers !== undefined;
    });
    page.assertClean();
    await page.context().close();
  } finally {
    await own.stop();
  }
});
