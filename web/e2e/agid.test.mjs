// The national model's conventions as AgID's validator checks them
// (pa-website-validator-ng, "modello Comuni"), asserted on every citizen page
// by our own browser tests: the footer's data-elements and exact texts, the
// page feedback component and its show/hide rules, the legal notes, the
// breadcrumb, the URP contacts box, and a Bootstrap Italia class share with
// a margin over the validator's 30%. The validator itself is a development
// check (README, "AgID validator").
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startServer, launchBrowser, newPage, checkA11y, apiCall, apiLogin } from './harness.mjs';

const require = createRequire(import.meta.url);

let server;
let browser;
let code;
let created;
before(async () => {
  server = await startServer();
  browser = await launchBrowser();
  const res = await apiCall(server.url, 'reports', {
    method: 'POST',
    json: {
      category: 'buche',
      lat: 43.7159,
      lon: 10.4018,
      title: 'Buca in via Roma',
      description: 'Una buca profonda davanti al civico 3.',
      reporter: { email: 'prova@example.org', contact: 'email' },
    },
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  created = res.body;
  code = created.code;
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

// Every class bootstrap-italia's stylesheet defines, as the validator's list is.
const BI_CLASSES = new Set(
  [...readFileSync(require.resolve('bootstrap-italia/dist/css/bootstrap-italia.min.css'), 'utf8').matchAll(/\.(-?[_a-zA-Z][\w-]*)/g)].map((m) => m[1]),
);

const NEGATIVE = [
  'A volte le indicazioni non erano chiare',
  'A volte le indicazioni non erano complete',
  'A volte non capivo se stavo procedendo correttamente',
  'Ho avuto problemi tecnici',
  'Altro',
];
const POSITIVE = [
  'Le indicazioni erano chiare',
  'Le indicazioni erano complete',
  'Capivo sempre che stavo procedendo correttamente',
  'Non ho avuto problemi tecnici',
  'Altro',
];
const LICENCE =
  'In applicazione del principio open by default ai sensi dell’articolo 52 del decreto legislativo 7 marzo 2005, n. 82 (CAD) e salvo dove diversamente specificato (compresi i contenuti incorporati di terzi), i dati, i documenti e le informazioni pubblicati sul sito sono rilasciati con licenza CC-BY 4.0. ' +
  'Gli utenti sono quindi liberi di condividere (riprodurre, distribuire, comunicare al pubblico, esporre in pubblico), rappresentare, eseguire e recitare questo materiale con qualsiasi mezzo e formato e modificare (trasformare il materiale e utilizzarlo per opere derivate) per qualsiasi fine, anche commerciale con il solo onere di attribuzione, senza apporre restrizioni aggiuntive.';

/** The pages a citizen sees, with the route template the feedback is stored under. */
const pages = () => [
  { path: '/', page: '/', crumbs: null },
  { path: '/segnala', page: '/segnala', crumbs: ['Home', 'Segnala disservizio'] },
  { path: '/segnala?passo=2', page: '/segnala', crumbs: ['Home', 'Segnala disservizio'], draft: true },
  { path: '/segnala?inviata=1', page: '/segnala/inviata', crumbs: ['Home', 'Segnala disservizio'], sent: true },
  { path: '/segnalazioni', page: '/segnalazioni', crumbs: ['Home', 'Segnalazioni pubbliche'] },
  { path: `/segnalazioni/${code}`, page: '/segnalazioni/{code}', crumbs: ['Home', 'Segnalazioni pubbliche', code] },
  { path: '/privacy', page: '/privacy', crumbs: ['Home', 'Informativa privacy'] },
  { path: '/accessibilita', page: '/accessibilita', crumbs: ['Home', 'Dichiarazione di accessibilità'] },
  { path: '/note-legali', page: '/note-legali', crumbs: ['Home', 'Note legali'] },
];

async function open(p) {
  const page = await newPage(browser);
  if (p.draft || p.sent) {
    await page.goto(`${server.url}/`);
    await page.evaluate(
      ([draft, sent]) => {
        if (draft)
          localStorage.setItem(
            'segnala.citizen.draft',
            JSON.stringify({ privacy: true, savedAt: Date.now(), lat: 43.7159, lon: 10.4018, category: 'buche', title: 'Buca', description: 'Buca profonda.', contact: 'none' }),
          );
        if (sent) sessionStorage.setItem('segnala.citizen.sent', JSON.stringify(sent));
      },
      [p.draft ?? false, p.sent ? created : null],
    );
  }
  await page.goto(`${server.url}${p.path}`);
  await page.locator('main h1').waitFor();
  await page.locator('[data-element="contacts"]:not([hidden])').waitFor();
  await page.waitForLoadState('networkidle');
  return page;
}

test('every citizen page has the footer links, the feedback component, the breadcrumb and the contacts, and is mostly Bootstrap Italia', async () => {
  for (const p of pages()) {
    const page = await open(p);
    const where = p.path;
    // Footer (C.SI.2.4, C.SI.3.2, C.SI.3.3, C.SI.3.4).
    const footer = page.locator('footer');
    const link = (el) => footer.locator(`[data-element="${el}"]`);
    assert.equal((await link('report-inefficiency').innerText()).trim(), 'Segnala disservizio', where);
    assert.equal(await link('report-inefficiency').getAttribute('href'), '/segnala', where);
    assert.equal(await link('accessibility-link').getAttribute('href'), '/accessibilita', where);
    assert.equal(await link('privacy-policy-link').getAttribute('href'), '/privacy', where);
    assert.equal(await link('legal-notes').getAttribute('href'), '/note-legali', where);
    // Feedback (C.SI.2.5, C.SI.2.6).
    const fb = page.locator('[data-element="feedback"]');
    assert.equal(await fb.count(), 1, where);
    assert.equal((await fb.locator('[data-element="feedback-title"]').innerText()).trim(), 'Quanto sono chiare le informazioni su questa pagina?', where);
    for (let n = 1; n <= 5; n++) assert.equal(await fb.locator(`[data-element="feedback-rate-${n}"]`).count(), 1, `${where} star ${n}`);
    assert.equal(await fb.locator('[data-element="feedback-input-text"]').count(), 1, where);
    // Breadcrumb.
    const crumbs = await page.locator('[data-element="breadcrumb"] li').allInnerTexts();
    if (p.crumbs) assert.deepEqual(crumbs.map((c) => c.replace(/\s*\/\s*$/, '').trim()), p.crumbs, where);
    else assert.deepEqual(crumbs, [], where);
    // Contacts: the URP with the calendar's hours.
    const contacts = await page.locator('[data-element="contacts"]').innerText();
    assert.match(contacts, /Contatta il comune/, where);
    assert.match(contacts, /\+39 050 910111/, where);
    assert.match(contacts, /lunedì–venerdì, 9:00–13:15 e 14:15–17:00/, where);
    // Bootstrap Italia share of the unique classes (C.SI.1.2 fails under 30%).
    const classes = await page.evaluate(() => {
      const used = new Set();
      for (const el of document.getElementsByTagName('*')) for (const c of (el.getAttribute('class') ?? '').split(' ')) if (c) used.add(c);
      return [...used];
    });
    const share = classes.filter((c) => BI_CLASSES.has(c)).length / classes.length;
    assert.ok(share >= 0.45, `${where}: Bootstrap Italia classes ${Math.round(share * 100)}% of ${classes.length}`);
    page.assertClean();
    await page.context().close();
  }
});

test('the feedback shows the difficulties for 1 to 3 stars and the good points for 4 and 5, as the model fixes them', async () => {
  const page = await open(pages()[0]);
  const visible = (el) => page.locator(`[data-element="${el}"]`).isVisible();
  assert.equal(await visible('feedback-rating-negative'), false);
  assert.equal(await visible('feedback-rating-positive'), false);
  for (let n = 1; n <= 5; n++) {
    await page.locator(`[data-element="feedback-rate-${n}"]`).click();
    const negative = n <= 3;
    assert.equal(await visible('feedback-rating-negative'), negative, `${n} stars: difficulties`);
    assert.equal(await visible('feedback-rating-positive'), !negative, `${n} stars: good points`);
    const shown = page.locator(`[data-element="feedback-rating-${negative ? 'negative' : 'positive'}"]`);
    assert.equal(
      (await shown.locator('[data-element="feedback-rating-question"]').innerText()).trim(),
      negative ? 'Dove hai incontrato le maggiori difficoltà?' : 'Quali sono stati gli aspetti che hai preferito?',
    );
    const answers = (await shown.locator('[data-element="feedback-rating-answer"]').allInnerTexts()).map((s) => s.trim());
    assert.deepEqual(answers, negative ? NEGATIVE : POSITIVE);
  }
  await checkA11y(page, 'feedback open');
  page.assertClean();
  await page.context().close();
});

test('a citizen answers the feedback with the keyboard; the supervisor sees it per page', async () => {
  const page = await open(pages()[5]);
  // Tab to the stars (the first star radio of the group), then arrows: 5 → 4 → 3 → 2.
  await page.locator('#feedback-star-5').focus();
  await page.keyboard.press('Space');
  for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
  assert.equal(await page.locator('#feedback-star-2').isChecked(), true);
  assert.equal(await page.locator('[data-element="feedback-rating-negative"]').isVisible(), true);
  await page.locator('label', { hasText: 'A volte non capivo se stavo procedendo correttamente' }).click();
  await page.locator('[data-element="feedback"]').getByRole('button', { name: 'Avanti' }).click();
  const detail = page.locator('[data-element="feedback-input-text"]');
  assert.equal(await detail.evaluate((el) => el === document.activeElement), true, 'the detail field has the focus');
  await detail.fill('Non trovavo il pulsante per la foto');
  await checkA11y(page, 'feedback step 2');
  await page.keyboard.press('Enter');
  const thanks = page.locator('[data-testid="feedback-thanks"]');
  await thanks.waitFor();
  assert.equal((await thanks.innerText()).trim(), 'Grazie, il tuo parere ci aiuterà a migliorare il servizio!');
  page.assertClean();
  await page.context().close();

  const token = await apiLogin(server.url, server.accounts.supervisore);
  const stats = await apiCall(server.url, 'stats/offices', { token });
  assert.equal(stats.status, 200);
  const mine = stats.body.page_feedback.find((p) => p.page === '/segnalazioni/{code}');
  assert.ok(mine, JSON.stringify(stats.body.page_feedback));
  assert.equal(mine.count, 1);
  assert.deepEqual(mine.histogram, [0, 1, 0, 0, 0]);
  assert.deepEqual(mine.answers, [{ answer: 'not_sure', count: 1 }]);
  assert.equal(mine.details[0].text, 'Non trovavo il pulsante per la foto');
  assert.ok('service_rating' in stats.body, 'the service rating stays');
  // The public never sees the answers.
  const pub = await apiCall(server.url, 'stats/offices');
  assert.equal(pub.status, 401);

  // The supervisor's statistics page lists them per page, next to the service rating.
  const staff = await newPage(browser);
  await staff.goto(`${server.url}/staff/statistiche`);
  await staff.getByLabel('Nome utente').fill('supervisore');
  await staff.getByLabel('Password', { exact: false }).fill(server.accounts.supervisore.password);
  await staff.getByRole('button', { name: 'Accedi' }).click();
  const block = staff.getByTestId('page-feedback');
  await block.locator('table').waitFor();
  const row = await block.locator('tbody tr').filter({ hasText: '/segnalazioni/{code}' }).innerText();
  assert.match(row, /A volte non capivo se stavo procedendo correttamente: 1/);
  assert.equal(await staff.getByTestId('rating-summary').count(), 1, 'the service rating stays');
  await block.locator('summary').click();
  assert.match(await block.innerText(), /Non trovavo il pulsante per la foto/);
  await checkA11y(staff, 'statistics with page feedback');
  staff.assertClean();
  await staff.context().close();
});

test('the legal notes carry the model licence, and the footer follows the comune\'s own statement and notice', async () => {
  const page = await open(pages()[8]);
  assert.equal((await page.locator('[data-element="legal-notes-section"]').innerText()).trim(), 'Licenza dei contenuti');
  const body = (await page.locator('[data-element="legal-notes-body"]').allInnerTexts()).join(' ').replace(/\s+/g, ' ').trim();
  assert.equal(body, LICENCE);
  await checkA11y(page, 'legal notes');
  await page.context().close();

  const own = await startServer({
    SEGNALA_ACCESSIBILITY_STATEMENT_URL: 'https://form.agid.gov.it/view/00000000-0000-0000-0000-000000000000',
    SEGNALA_PRIVACY_URL: 'https://www.comune.pisa.it/privacy',
  });
  try {
    const p2 = await newPage(browser);
    await p2.goto(`${own.url}/`);
    await p2.locator('footer [data-element="accessibility-link"][href^="https://form.agid.gov.it/"]').waitFor({ state: 'attached' });
    assert.equal(await p2.locator('footer [data-element="privacy-policy-link"]').getAttribute('href'), 'https://www.comune.pisa.it/privacy');
    await p2.context().close();
  } finally {
    await own.stop();
  }
});
