// Signet's only script, loaded from /assets (the CSP allows no inline code). Every page works without
// it; it only adds what needs the browser: a "Show password" toggle, and times in the reader's zone.
(function () {
  'use strict';

  // Show/hide password: the button is hidden in the markup, so without this script it never appears.
  for (const button of document.querySelectorAll('button[data-show-password]')) {
    const input = document.getElementById(button.getAttribute('aria-controls') || '');
    if (!input) continue;
    button.hidden = false;
    button.addEventListener('click', function () {
      const show = input.type === 'password';
      input.type = show ? 'text' : 'password';
      button.setAttribute('aria-pressed', String(show));
      // The page gives both labels in its own language; English only where a page predates them.
      button.textContent = show
        ? button.dataset.labelHide || 'Hide password'
        : button.dataset.labelShow || 'Show password';
    });
  }

  // Times: the server wrote UTC; say it in the browser's zone and language, relative to its clock. A
  // browser without these Intl formats keeps the server's text (and the rest of this script still ran).
  if (typeof Intl === 'undefined' || !Intl.RelativeTimeFormat || !Intl.DateTimeFormat) return;
  const units = [
    ['year', 31536e6],
    ['month', 2592e6],
    ['week', 6048e5],
    ['day', 864e5],
    ['hour', 36e5],
    ['minute', 6e4],
  ];
  const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  const absolute = new Intl.DateTimeFormat(undefined, {
    year: 'numeric',
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    timeZoneName: 'short',
  });
  for (const time of document.querySelectorAll('time[data-local]')) {
    const at = Date.parse(time.getAttribute('datetime') || '');
    if (Number.isNaN(at)) continue;
    const diff = at - Date.now();
    const unit = units.find(function (u) {
      return Math.abs(diff) >= u[1];
    });
    const rel = time.querySelector('[data-relative]');
    const abs = time.querySelector('[data-absolute]');
    if (rel)
      rel.textContent = unit ? relative.format(Math.trunc(diff / unit[1]), unit[0]) : relative.format(0, 'minute');
    if (abs) abs.textContent = absolute.format(at);
  }
})();
