// Publication and moderation in the browser: the public page of a masked
// and of a withheld report, and the review queue worked by keyboard, with
// axe on each state.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, checkA11y, screenshot, apiCall, png } from './harness.mjs';

const PISA = { lat: 43.7159, lon: 10.4018 };
const PHONE = '347 1234567';
const PLATE = 'AB123CD';
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

/** A citizen's report (anonymous, with the tracking token back). */
async function file(category, description, n) {
  const res = await apiCall(server.url, 'reports', {
    method: 'POST',
    json: {
      category,
      title: `Prova moderazione ${n}`,
      description,
      lat: PISA.lat + n * 0.0004,
      lon: PISA.lon + n * 0.0004,
      address: `Via di prova ${n}`,
      reporter: { name: 'Gino Rossi', email: 'gino.rossi@example.org' },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.body;
}

async function attach({ code, tracking_token }) {
  const form = new FormData();
  form.append('file', new Blob([png(40, 30)], { type: 'image/png' }), 'foto.png');
  const res = await fetch(`${server.url}/api/v1/reports/${code}/attachments?token=${encodeURIComponent(tracking_token)}`, { method: 'POST', body: form });
  const body = await res.text();
  assert.equal(res.status, 201, body);
  return JSON.parse(body);
}

async function login(page, username, path) {
  await page.goto(server.url + path);
  await page.getByLabel('Nome utente').fill(username);
  await page.getByLabel('Password', { exact: false }).fill(server.accounts[username].password);
  await page.getByRole('button', { name: 'Accedi' }).click();
  await page.getByTestId('whoami').waitFor();
}

test('the public page masks personal values; a report under review is not public until staff publish it from the queue', async () => {
  const masked = await file('buche', `Auto ${PLATE} sulla buca, il proprietario risponde al ${PHONE}`, 1);
  const pending = await file('rifiuti-abbandonati', `Sacchi lasciati dal vicino, tel. ${PHONE}`, 2);
  const photo = await attach(pending);

  // The masked report's public page.
  const page = await newPage(browser);
  await page.goto(`${server.url}/segnalazioni/${masked.code}`);
  await page.locator('.report-description').waitFor();
  const text = await page.locator('main').innerText();
  assert.match(text, /\[dato nascosto\]/);
  assert.ok(!text.includes(PHONE) && !text.includes(PLATE), text);
  await checkA11y(page, 'public page of a masked report');
  await screenshot(page, 'public-masked');

  // The one under review: not public; its citizen is told why.
  await page.goto(`${server.url}/segnalazioni/${pending.code}`);
  // In the page, not in the live region that also announces it.
  await page.locator('main').getByText('Questa segnalazione non è pubblica').waitFor();
  assert.ok(!(await page.locator('main').innerText()).includes('Sacchi'));
  await checkA11y(page, 'public page of a report under review');
  await page.goto(`${server.url}/segnalazioni/${pending.code}?token=${encodeURIComponent(pending.tracking_token)}`);
  await page.getByTestId('publication').getByText('dopo la verifica del Comune').waitFor();
  assert.match(await page.locator('main').innerText(), new RegExp(PHONE));
  await page.waitForFunction(() => (document.querySelector('.photo-grid img')?.naturalWidth ?? 0) > 0);
  assert.equal((await fetch(`${server.url}${photo.url}`)).status, 404, 'the photo waits for review');

  // The supervisor works the queue by keyboard.
  const staff = await newPage(browser);
  await login(staff, 'supervisore', '/staff/moderazione');
  await staff.getByRole('heading', { level: 1, name: 'Da pubblicare' }).waitFor();
  const item = staff.locator('[data-testid="moderation-list"] > li').filter({ hasText: pending.code });
  await item.waitFor();
  await staff.waitForFunction(() => [...document.querySelectorAll('[data-testid="moderation-list"] img')].some((i) => i.naturalWidth > 0));
  assert.match(await item.getByTestId('queue-public-description').innerText(), /\[dato nascosto\]/);
  await checkA11y(staff, 'moderation queue');
  await screenshot(staff, 'staff-moderation-queue');
  await item.getByTestId('queue-photo-1').focus();
  await staff.keyboard.press('Space');
  assert.equal(await item.getByTestId('queue-photo-1').isChecked(), true);
  await item.getByTestId('queue-publish').focus();
  await staff.keyboard.press('Enter');
  await staff.locator('main').getByText(`${pending.code}: verifica fatta, pubblicata.`).waitFor();
  await staff.locator('[data-testid="moderation-list"] > li', { hasText: pending.code }).waitFor({ state: 'detached' });
  await checkA11y(staff, 'moderation queue after a decision');

  // Now public, masked, with its photo.
  await page.goto(`${server.url}/segnalazioni/${pending.code}`);
  await page.locator('.report-description').waitFor();
  const now = await page.locator('main').innerText();
  assert.ok(now.includes('Sacchi') && !now.includes(PHONE), now);
  await page.waitForFunction(() => (document.querySelector('.photo-grid img')?.naturalWidth ?? 0) > 0);

  // The report page shows the publication card; hiding needs a reason.
  await staff.goto(`${server.url}/staff/segnalazioni/${pending.code}`);
  await staff.getByRole('heading', { level: 2, name: 'Pubblicazione' }).waitFor();
  await checkA11y(staff, 'report page with the publication card');
  await staff.getByTestId('moderation-hide').click();
  await staff.locator('.field-error', { hasText: 'obbligatorio' }).waitFor();
  await staff.getByTestId('moderation-reason').fill('Compare il nome di un vicino');
  await staff.getByTestId('moderation-hide').click();
  await staff.getByTestId('detail-flash').getByText('Segnalazione nascosta al pubblico.').waitFor();
  assert.equal((await fetch(`${server.url}/api/v1/reports/${pending.code}`)).status, 404);
  await staff.close();
  await page.close();
});
