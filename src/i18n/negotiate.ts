import { DEFAULT_LANGUAGE, isLanguage, type Language } from './translator.js';

/** What a request says about the language it wants, strongest first. */
export interface LanguageHints {
  /** The OIDC request's ui_locales: a space-separated list of BCP 47 tags, preferred first. */
  uiLocales?: string | undefined;
  /** The language switcher's cookie. */
  cookie?: string | undefined;
  acceptLanguage?: string | undefined;
}

/** The supported language a BCP 47 tag names, by its primary subtag: `ko-KR` is Korean. */
export function languageOf(tag: string): Language | undefined {
  const primary = tag.trim().split(/[-_]/)[0]?.toLowerCase();
  return isLanguage(primary) ? primary : undefined;
}

function firstSupported(tags: Iterable<string>): Language | undefined {
  for (const tag of tags) {
    const found = languageOf(tag);
    if (found) return found;
  }
  return undefined;
}

/**
 * Accept-Language's ranges by their q-value, highest first (RFC 9110 section 12.5.4); ties keep the
 * header's order. A `*` or q=0 range names nothing to choose.
 */
export function acceptedTags(header: string): string[] {
  const ranges = header
    .split(',')
    .slice(0, 50)
    .map((part, index) => {
      const [tag = '', ...params] = part.split(';').map((s) => s.trim());
      const q = params.find((p) => /^q=/i.test(p));
      const weight = q === undefined ? 1 : Number(q.slice(2));
      return { tag, weight: Number.isFinite(weight) ? weight : 0, index };
    })
    .filter((r) => r.tag !== '' && r.tag !== '*' && r.weight > 0);
  ranges.sort((a, b) => b.weight - a.weight || a.index - b.index);
  return ranges.map((r) => r.tag);
}

/** The first supported language of an OIDC request's ui_locales, if it names one. */
export function uiLocalesLanguage(uiLocales: string | undefined): Language | undefined {
  return uiLocales ? firstSupported(uiLocales.trim().split(/\s+/).slice(0, 20)) : undefined;
}

/** ui_locales first (the relying party asked for it), then the person's own switch, then the browser. */
export function chooseLanguage(hints: LanguageHints): Language {
  const fromUi = uiLocalesLanguage(hints.uiLocales);
  if (fromUi) return fromUi;
  if (isLanguage(hints.cookie)) return hints.cookie;
  const fromHeader = hints.acceptLanguage ? firstSupported(acceptedTags(hints.acceptLanguage)) : undefined;
  return fromHeader ?? DEFAULT_LANGUAGE;
}
