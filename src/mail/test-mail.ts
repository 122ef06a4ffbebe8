import { renderMail, type RenderedMail } from './render-mail.js';

/** The mail `mail test` sends: proof that the whole path (outbox, sender, SMTP) works. */
export function testMail(issuer: string, at: Date): RenderedMail & { subject: string } {
  const subject = 'Signet test mail';
  return {
    subject,
    ...renderMail({
      lang: 'en',
      title: subject,
      paragraphs: [
        `The operator of ${issuer} sent this mail with "mail test" at ${at.toISOString()}.`,
        'It went through the outbox and the mail server like every mail Signet sends: if you can read it, delivery works.',
      ],
      footer: `Sent by Signet at ${issuer}. Nothing to do: this mail asks for no action.`,
    }),
  };
}
