import { start } from '../../web/page.js';

// snippet:style
void start({
  title: 'BlockID step-up after password',
  blurb: 'Password first (SRP), then 1Kosmos BlockID confirms it is you in a frame on this page.',
});
// end snippet
