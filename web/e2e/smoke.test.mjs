// The frame every page shares: served at each path, the national footer link,
// the language switch, no console errors, no serious axe violations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, newPage, checkA11y } from './harness.mjs';

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

test('the home page has the footer link to the reporting service and switches language', async () => {
  const page = await newPage(browser);
  await page.goto(server.url + '/');
  const link = page.locator('footer a[data-element="report-inefficiency"]');
  await assert.doesNotReject(link.waitFor());
  assert.match(await link.innerText(), /disservizio/i);
  assert.equal(await page.getAttribute('html', 'lang'), 'it');
  await page.getByTestId('lang-switch').click();
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await checkA11y(page, 'home');
  page.assertClean();
});

test('an unknown page is the site\'s own "pagina non trovata", with status 404, in Italian and English', async () => {
  for (const [path, title] of [
    ['/questa-pagina-non-esiste', 'Pagina non trovata'],
    ['/staff/pagina-inesistente', null],
  ]) {
    const page = await newPage(browser);
    const res = await page.goto(server.url + path);
    assert.equal(res.status(), 404, path);
    assert.match(res.headers()['content-type'], /text\/html/);
    const h1 = page.locator('main h1');
    await h1.waitFor();
    if (title) {
      assert.equal((await h1.innerText()).trim(), title);
      assert.equal(await page.locator('footer [data-element="report-inefficiency"]').count(), 1);
      await checkA11y(page, `not found ${path}`);
      await page.getByTestId('lang-switch').click();
      await page.waitForFunction(() => document.querySelector('main h1')?.textContent?.trim() === 'Page not found');
      await checkA11y(page, `not found ${path} (en)`);
    } else {
      // The console asks to sign in first; its own "not found" comes after.
      await checkA11y(page, `not found ${path}`);
    }
    // A 404 document is expected here; nothing else may fail.
    page.assertClean([/status of 404/]);
    await page.context().close();
  }
});
