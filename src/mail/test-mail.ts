import { createTranslator, type Language, type Translator } from '../i18n/translator.js';
import { renderMail, type RenderedMail } from './render-mail.js';

/** The mail `mail test` sends: proof that the whole path (outbox, sender, SMTP) works. */
export function testMail(
  issuer: string,
  at: Date,
  lang: Language = 'en',
  translator: Translator = createTranslator(),
): RenderedMail & { subject: string } {
  const t = (key: string, vars?: Record<string, unknown>) => translator.t(lang, key, vars);
  const subject = t('mail:test.subject');
  return {
    subject,
    ...renderMail({
      lang,
      title: subject,
      paragraphs: [t('mail:test.sent', { issuer, at: at.toISOString() }), t('mail:test.path')],
      footer: t('mail:test.footer', { issuer }),
    }),
  };
}
