import { start } from '../../web/page.js';

// snippet:style
void start({
  title: 'Biopass face check after password',
  blurb:
    'Password first (SRP), then Biopass (any OpenID Provider) checks your face in a popup; its callback page hands the result back to this page.',
});
// end snippet
