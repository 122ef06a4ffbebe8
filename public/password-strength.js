// A strength meter for new-password fields, loaded as a module from /assets (the CSP allows no inline
// code). The server judges, through POST /password-strength, so the meter shows exactly what the form
// will be told; the page works the same without this script. Markup it reads:
//
//   <input type="password" id="pw" data-password-strength aria-describedby="pw-strength"
//          data-strength-labels='{"scores":["Very weak","Weak","Fair","Strong","Very strong"],
//                                 "too_short":"Too short","common":"…","like_identity":"…"}'
//          data-strength-email="email" data-strength-name="name">
//   <p id="pw-strength" class="password-strength"></p>
//
// The labels come from the page, so a translated page needs no other script: "scores" (five, for
// zxcvbn scores 0..4) and "too_short" are required, the problem labels fall back to scores[0].
// data-strength-output names the output element when aria-describedby lists several or none.
// data-strength-email / -name name the fields (or elements) holding the account's email and name.

const DEBOUNCE_MS = 300;
const MIN_LENGTH = 8; // MIN_PASSWORD_LENGTH on the server: shorter needs no question
const DEFAULT_ENDPOINT = '/password-strength';

/** The page's labels, or undefined when they are missing or malformed (then there is no meter). */
function readLabels(input) {
  try {
    const labels = JSON.parse(input.getAttribute('data-strength-labels') || '');
    const scores = labels && labels.scores;
    if (!Array.isArray(scores) || scores.length !== 5 || typeof labels.too_short !== 'string') return undefined;
    return labels;
  } catch {
    return undefined;
  }
}

function outputOf(input) {
  const ids = (input.getAttribute('data-strength-output') || input.getAttribute('aria-describedby') || '').trim();
  const first = ids.split(/\s+/)[0];
  return first ? document.getElementById(first) : null;
}

/** The live value of the element an attribute names: a field's value, or another element's text. */
function valueOf(input, attribute) {
  const id = input.getAttribute(attribute);
  const element = id ? document.getElementById(id) : null;
  if (!element) return undefined;
  return 'value' in element ? String(element.value) : element.textContent || '';
}

function labelFor(labels, verdict) {
  const { problem, score } = verdict;
  if (problem === 'too_short' || problem === 'blank') return labels.too_short;
  if (problem && typeof labels[problem] === 'string') return labels[problem];
  return labels.scores[problem ? 0 : score] || labels.scores[0];
}

/** Builds the meter once, inside the output element; later updates only change its value and text. */
function meterIn(output) {
  output.classList.add('password-strength');
  if (!output.hasAttribute('aria-live')) output.setAttribute('aria-live', 'polite');
  const meter = document.createElement('meter');
  meter.min = 0;
  meter.max = 4;
  meter.low = 2;
  meter.high = 3;
  meter.optimum = 4;
  meter.setAttribute('aria-hidden', 'true'); // the label says it in words; a bare number says less
  const label = document.createElement('span');
  label.className = 'password-strength-label';
  output.replaceChildren(meter, label);
  return { meter, label };
}

function show(output, parts, labels, verdict) {
  if (!verdict) {
    output.hidden = true;
    output.removeAttribute('data-score');
    output.removeAttribute('data-problem');
    return;
  }
  const score = verdict.problem ? 0 : verdict.score;
  parts.meter.value = score;
  parts.label.textContent = labelFor(labels, verdict);
  output.setAttribute('data-score', String(score));
  if (verdict.problem) output.setAttribute('data-problem', verdict.problem);
  else output.removeAttribute('data-problem');
  output.hidden = false;
}

async function ask(endpoint, body, signal) {
  const response = await fetch(endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
    body: JSON.stringify(body),
    credentials: 'same-origin',
    cache: 'no-store',
    signal,
  });
  if (!response.ok) return undefined; // throttled or refused: the meter falls silent, the form still works
  const verdict = await response.json();
  return typeof verdict.score === 'number' ? verdict : undefined;
}

function watch(input) {
  const labels = readLabels(input);
  const output = outputOf(input);
  if (!labels || !output) return;
  const parts = meterIn(output);
  const endpoint = input.getAttribute('data-strength-endpoint') || DEFAULT_ENDPOINT;
  let timer = 0;
  let inFlight = null;
  show(output, parts, labels, undefined);

  const judge = async () => {
    const password = input.value;
    if (inFlight) inFlight.abort();
    inFlight = null; // an answer to an earlier value must never overwrite this one
    if (password === '') return show(output, parts, labels, undefined);
    if (Array.from(password).length < MIN_LENGTH) {
      return show(output, parts, labels, { problem: 'too_short', score: 0 });
    }
    const controller = new AbortController();
    inFlight = controller;
    const body = { password };
    const email = valueOf(input, 'data-strength-email');
    const name = valueOf(input, 'data-strength-name');
    if (email) body.email = email;
    if (name) body.name = name;
    try {
      const verdict = await ask(endpoint, body, controller.signal);
      if (inFlight === controller) show(output, parts, labels, verdict);
    } catch {
      if (inFlight === controller) show(output, parts, labels, undefined);
    }
  };

  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => void judge(), DEBOUNCE_MS);
  });
}

for (const input of document.querySelectorAll('input[data-password-strength]')) watch(input);
