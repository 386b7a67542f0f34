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
