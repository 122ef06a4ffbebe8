import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type { Context } from 'koa';
import {
  createTranslator,
  isLanguage,
  translateIn,
  type Language,
  type Translate,
  type Translator,
} from '../i18n/translator.js';
import type { Clock } from '../storage/store.js';
import { languageOf } from './middleware/language.js';

export const VIEWS_DIR = fileURLToPath(new URL('../../views/', import.meta.url));

export type ViewLocals = { title: string; [key: string]: unknown };

export type { Translate } from '../i18n/translator.js';

/** HTML a view made itself (an included partial), put into a `th` sentence as it is. */
class RawHtml {
  constructor(readonly html: string) {}
}

/**
 * Renders a view inside the shared layout. `<%= %>` escapes everything; the only raw insertion is the
 * layout's body and the provider-built logout form. Templates are compiled once per process.
 */
export class Views {
  private readonly compiled = new Map<string, ejs.TemplateFunction>();

  /**
   * `now` is the clock pages measure "3 minutes ago" against: the app's own, so tests can move time.
   * The translator is read from locales/ once, when the views are made.
   */
  constructor(
    readonly now: Clock = Date.now,
    readonly translator: Translator = createTranslator(),
  ) {}

  /** The language a request's page is drawn in (the language middleware's choice). */
  language(ctx: Pick<Context, 'state'>): Language {
    return languageOf(ctx);
  }

  /** Translation in one language, for view models that build sentences before the page renders. */
  translate(lang: Language): Translate {
    return translateIn(this.translator, lang);
  }

  /**
   * A page in the request's language (or `locals.lang` when given, as interaction pages do with the
   * OIDC request's ui_locales). Views get `lang`, `t(key, vars?)` and `path` (for the switcher's return).
   */
  page(ctx: Context, name: string, locals: ViewLocals): string {
    const lang = isLanguage(locals.lang) ? locals.lang : this.language(ctx);
    // Back to this page after switching, by its path alone: a query may hold what must not be repeated
    // into a link (an id_token_hint at /session/end, a code at a callback).
    const path = ctx.originalUrl.split('?')[0] ?? '/';
    return this.render(name, { ...locals, ...this.helpers(lang), path });
  }

  /**
   * `t` gives text (EJS escapes it on output with `<%= %>`); `th` gives HTML for `<%- %>`: a sentence
   * of ours whose translation holds markup (`<strong>{{name}}</strong>`), with every value escaped.
   */
  private helpers(lang: Language) {
    const t = this.translate(lang);
    const th = (key: string, vars: Record<string, unknown> = {}) =>
      t(
        key,
        Object.fromEntries(
          Object.entries(vars).map(([k, v]) => [k, v instanceof RawHtml ? v.html : ejs.escapeXML(String(v))]),
        ),
      );
    const raw = (html: string) => new RawHtml(html);
    const languages = this.translator.languages.map((code) => ({
      code,
      name: this.translator.t(code, 'layout:languageName'),
    }));
    return { lang, t, th, raw, languages };
  }

  /** A page without a request (no translation chosen): English, as every page was before translation. */
  render(name: string, locals: ViewLocals): string {
    const full = { ...this.helpers('en'), path: '/', ...locals };
    const body = this.template(name)(full);
    return this.template('_layout')({ ...full, body });
  }

  private template(name: string): ejs.TemplateFunction {
    let fn = this.compiled.get(name);
    if (!fn) {
      const file = `${VIEWS_DIR}${name}.ejs`;
      fn = ejs.compile(readFileSync(file, 'utf8'), { filename: file, strict: false, async: false });
      this.compiled.set(name, fn);
    }
    return fn;
  }
}
