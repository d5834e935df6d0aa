import { start } from '../../web/page.js';

void start({
  title: 'BlockID step-up after password',
  blurb: 'Password first (SRP), then 1Kosmos BlockID confirms it is you in a frame on this page.',
});
