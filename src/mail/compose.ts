import type { SendMailOptions } from 'nodemailer';
import type { OutboxRecord } from '../storage/store.js';

/** The address inside MAIL_FROM ("Name <a@example.com>" or "a@example.com"). */
export function fromAddress(from: string): string {
  const match = /<([^<>]+)>\s*$/.exec(from);
  return (match?.[1] ?? from).trim();
}

/**
 * The Message-ID of one outbox message, the same at every attempt: SMTP has no idempotency, so a mail
 * sent again after a crash (accepted, but not yet recorded as sent) carries the id of the first copy,
 * and receivers that deduplicate on it (RFC 5322 3.6.4) show it once.
 */
export function messageId(id: string, from: string): string {
  const domain = fromAddress(from).split('@')[1] || 'signet.invalid';
  return `<${id}@${domain}>`;
}

/**
 * One outbox message as nodemailer builds it. Every attempt yields the same message (the Date is the
 * enqueue time). Auto-Submitted (RFC 3834) keeps vacation responders from answering a machine. The
 * content may never make nodemailer read a file or fetch a URL.
 */
export function compose(message: OutboxRecord, from: string): SendMailOptions {
  return {
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: messageId(message.id, from),
    date: new Date(message.createdAt),
    headers: { 'Auto-Submitted': 'auto-generated' },
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}
