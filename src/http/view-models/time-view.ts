import { type Language, type Translate } from '../../i18n/translator.js';

/**
 * A moment as a page shows it. The server cannot know the reader's time zone (no script runs before
 * the first paint, and none is required), so it writes UTC and a relative phrase; public/signet.js
 * then rewrites both in the browser's own zone and language where scripts run.
 */
export interface TimeView {
  /** For `<time datetime>`: what the script reads. */
  iso: string;
  /** "3 minutes ago", "in 2 hours", "yesterday". */
  relative: string;
  /** "2025-03-01 14:03 UTC". */
  absolute: string;
}

const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/** The page's language says "3 minutes ago" (Intl knows every language's phrasing); the rest is ours. */
export function relativeTime(ms: number, now: number, lang: Language = 'en', t: Translate): string {
  const diff = ms - now;
  if (Math.abs(diff) < 60_000) return t(diff <= 0 ? 'time:justNow' : 'time:inUnderAMinute');
  const format = new Intl.RelativeTimeFormat(lang, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(diff) >= size) return format.format(Math.trunc(diff / size), unit);
  }
  return t('time:justNow');
}

export function timeView(ms: number, now: number, lang: Language = 'en', t: Translate): TimeView {
  const iso = new Date(ms).toISOString();
  return {
    iso,
    relative: relativeTime(ms, now, lang, t),
    absolute: t('time:absolute', { time: iso.replace('T', ' ').slice(0, 16) }),
  };
}
