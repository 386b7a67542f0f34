// The citizens' site: a small router over the History API.
import 'bootstrap-italia/dist/css/bootstrap-italia.min.css';
import '../styles/fonts.css';
import '../styles/app.css';
import { h, focusHeading } from '../common/dom';
import { frame } from '../common/layout';
import { onLangChange, t } from '../common/i18n';

const f = frame({
  titleKey: 'common.siteName',
  homeHref: '/',
  nav: [
    { href: '/segnala', key: 'common.footer.report' },
    { href: '/segnalazioni', key: 'common.footer.reports' },
  ],
});

function render(): void {
  f.main.replaceChildren(h('h1', {}, t('common.siteName')));
  focusHeading();
}

onLangChange(() => {
  f.refresh();
  render();
});
render();
