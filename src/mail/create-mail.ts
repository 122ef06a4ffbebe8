import type { Logger } from 'pino';
import type { Config } from '../config/schema.js';
import type { Clock, OutboxStore } from '../storage/store.js';
import { deliveryPolicy, type DeliveryPolicy } from './delivery-policy.js';
import { fileTransport } from './file-transport.js';
import { MailService } from './mail-service.js';
import { MailSender, type Schedule, type SenderObserver } from './sender.js';
import { smtpTransport } from './smtp-transport.js';

export interface MailOverrides {
  /** false: this process never runs the delivery loop (the CLI: it delivers only what it asks for). */
  loop?: boolean;
  schedule?: Schedule;
  policy?: Partial<DeliveryPolicy>;
}

export interface Mail {
  service: MailService;
  /** Starts the delivery loop (unless MailOverrides.loop is false). */
  start(): void;
  /** Stops it, after the message in hand is recorded. */
  stop(): Promise<void>;
}

/** Mail as configured: a transport, the sender that feeds it from the outbox, and the service features call. */
export function createMail(
  config: Readonly<Config>,
  deps: { outbox: OutboxStore; clock: Clock; logger: Logger; observer?: SenderObserver },
  overrides: MailOverrides = {},
): Mail {
  const { transport: target, from, sendTimeoutMs } = config.mail;
  const transport =
    target.kind === 'smtp'
      ? smtpTransport({ url: target.url, from, phaseTimeoutMs: sendTimeoutMs })
      : target.kind === 'files'
        ? fileTransport(target.dir, from, deps.logger)
        : undefined;
  const sender = transport
    ? new MailSender({
        outbox: deps.outbox,
        transport,
        clock: deps.clock,
        policy: deliveryPolicy(sendTimeoutMs, overrides.policy),
        logger: deps.logger,
        ...(overrides.schedule ? { schedule: overrides.schedule } : {}),
        ...(deps.observer ? { observer: deps.observer } : {}),
      })
    : undefined;
  return {
    service: new MailService({
      outbox: deps.outbox,
      clock: deps.clock,
      transport: target.kind,
      ...(sender ? { sender } : {}),
    }),
    start: () => {
      if (overrides.loop !== false) sender?.start();
    },
    stop: async () => {
      await sender?.stop();
    },
  };
}
