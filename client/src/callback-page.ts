// The script of callback.html: answer the opener (or parent) and close. build.mjs bundles it
// standalone into dist/callback-page.js, so the page needs nothing else. It runs on load;
// import `completeCallback` from the package instead to call it yourself.
import { completeCallback } from './callback.js';
import { StepUpError } from './errors.js';

function show(text: string): void {
  const el = document.getElementById('status');
  if (el) el.textContent = text;
}

if (typeof window !== 'undefined' && typeof document !== 'undefined') {
  try {
    completeCallback();
    show('Done. You can close this window.');
  } catch (e) {
    show(
      e instanceof StepUpError && e.code === 'no_opener'
        ? 'This window was not opened by the app. You can close it.'
        : 'The sign-in could not be completed. You can close this window.',
    );
  }
}
