// The staff console.
import 'bootstrap-italia/dist/css/bootstrap-italia.min.css';
import '../styles/fonts.css';
import '../styles/app.css';
import { h } from '../common/dom';
import { frame } from '../common/layout';
import { t } from '../common/i18n';

const f = frame({ titleKey: 'common.siteName', homeHref: '/staff', nav: [] });
f.main.replaceChildren(h('h1', {}, t('common.siteName')));
