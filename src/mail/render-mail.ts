/** What one mail says; renderMail() gives it the product's look in both parts. */
export interface MailContent {
  /** BCP 47 tag of the language the mail is written in. */
  lang: string;
  /** The heading, also the HTML part's title. */
  title: string;
  /** Plain-text paragraphs, in order (escaped for the HTML part, never interpreted). */
  paragraphs: readonly string[];
  /** A one-time code, set apart in both parts so it is easy to find and copy. */
  code?: string;
  /** Small print at the end: why this person got this mail and what to do if it was not them. */
  footer: string;
}

export interface RenderedMail {
  text: string;
  html: string;
}

// The colours of public/signet.css (light scheme: mail clients rarely honour dark-mode styles).
const COLORS = {
  bg: '#f4f5fb',
  card: '#ffffff',
  text: '#1b1e2b',
  muted: '#5d6378',
  accent: '#4338ca',
  onAccent: '#ffffff',
  border: '#dfe2ec',
};
const FONT = 'system-ui,-apple-system,"Segoe UI",Roboto,sans-serif';

export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * Both parts of a mail in Signet's look. Nothing is fetched when it is opened — no remote images, fonts
 * or style sheets, no tracking pixel, no rewritten links — and styles are inline, since mail clients
 * drop <style> blocks and external CSS.
 */
export function renderMail(content: MailContent): RenderedMail {
  const text = [
    content.title,
    '',
    ...content.paragraphs.flatMap((p) => [p, '']),
    ...(content.code ? [`    ${content.code}`, ''] : []),
    '-- ',
    content.footer,
    '',
  ].join('\n');

  const paragraph = (p: string) => `<p style="margin:0 0 14px;line-height:1.5">${escapeHtml(p)}</p>`;
  const code = content.code
    ? `<p style="margin:8px 0 18px;font-size:28px;font-weight:700;letter-spacing:6px;font-family:ui-monospace,Menlo,Consolas,monospace">${escapeHtml(content.code)}</p>`
    : '';
  const html = `<!DOCTYPE html>
<html lang="${escapeHtml(content.lang)}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(content.title)}</title></head>
<body style="margin:0;padding:24px;background:${COLORS.bg};color:${COLORS.text};font-family:${FONT}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="border-collapse:collapse"><tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:480px;border-collapse:separate;background:${COLORS.card};border:1px solid ${COLORS.border};border-radius:14px">
<tr><td style="padding:32px">
<p style="margin:0 0 20px"><span style="display:inline-block;width:32px;height:32px;line-height:32px;border-radius:9px;background:${COLORS.accent};color:${COLORS.onAccent};font-weight:700;text-align:center">S</span><span style="margin-left:10px;font-weight:600;letter-spacing:.02em">Signet</span></p>
<h1 style="font-size:22px;margin:0 0 14px">${escapeHtml(content.title)}</h1>
${content.paragraphs.map(paragraph).join('\n')}
${code}
</td></tr></table>
<p style="max-width:480px;margin:18px auto 0;color:${COLORS.muted};font-size:13px;line-height:1.5">${escapeHtml(content.footer)}</p>
</td></tr></table>
</body>
</html>
`;
  return { text, html };
}
