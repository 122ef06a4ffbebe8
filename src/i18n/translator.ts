import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type Resource } from 'i18next';
import { AppError } from '../errors.js';

export const LANGUAGES = ['en', 'ko'] as const;
export type Language = (typeof LANGUAGES)[number];

/** English is what every page said before it was translated, and what a missing Korean key falls back to. */
export const DEFAULT_LANGUAGE: Language = 'en';

export interface Translator {
  readonly languages: readonly Language[];
  /** key is 'namespace:key.path'; vars are interpolated (escaping OFF: EJS escapes on output). */
  t(lang: Language, key: string, vars?: Record<string, unknown>): string;
}

/** A translation function bound to one language: `t('login:heading')`, `t('login:lead', { name })`. */
export type Translate = (key: string, vars?: Record<string, unknown>) => string;

/** The translator's `t` in one language. */
export function translateIn(translator: Translator, lang: Language): Translate {
  return (key, vars) => translator.t(lang, key, vars);
}

export const LOCALES_DIR = fileURLToPath(new URL('../../locales/', import.meta.url));

export function isLanguage(value: unknown): value is Language {
  return typeof value === 'string' && (LANGUAGES as readonly string[]).includes(value);
}

/**
 * Every `<lng>/<namespace>.json` of a language, by namespace: the folder is listed, so a namespace is
 * added by dropping a file in, never by editing a list here.
 */
function readLanguage(dir: string): Record<string, unknown> {
  const namespaces: Record<string, unknown> = {};
  for (const file of readdirSync(dir).sort()) {
    if (!file.endsWith('.json')) continue;
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      throw new AppError('server_error', `locale file ${join(dir, file)} is not a JSON object`);
    }
    namespaces[file.slice(0, -'.json'.length)] = parsed;
  }
  return namespaces;
}

/** All namespaces of all languages, read from disk once. */
export function readResources(localesDir: string = LOCALES_DIR): Record<Language, Record<string, unknown>> {
  return { en: readLanguage(join(localesDir, 'en')), ko: readLanguage(join(localesDir, 'ko')) };
}

/**
 * One i18next instance of its own (never the library's global one), initialised synchronously from
 * resources read here: the composition root makes it once, and nothing is loaded on a request.
 */
export function createTranslator(localesDir: string = LOCALES_DIR): Translator {
  const resources = readResources(localesDir);
  const namespaces = [...new Set(LANGUAGES.flatMap((lng) => Object.keys(resources[lng])))];
  const instance = i18next.createInstance();
  void instance.init({
    resources: resources as Resource,
    lng: DEFAULT_LANGUAGE,
    fallbackLng: DEFAULT_LANGUAGE,
    supportedLngs: [...LANGUAGES],
    ns: namespaces,
    defaultNS: false,
    initAsync: false,
    // EJS escapes every `<%= %>`; escaping here too would show `&amp;` on the page.
    interpolation: { escapeValue: false },
    returnNull: false,
    returnEmptyString: false,
  });
  const fixed = new Map(LANGUAGES.map((lng) => [lng, instance.getFixedT(lng)] as const));
  return {
    languages: LANGUAGES,
    t(lang, key, vars) {
      const t = fixed.get(lang) ?? instance.getFixedT(DEFAULT_LANGUAGE);
      return t(key, vars ?? {});
    },
  };
}
