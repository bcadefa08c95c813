import nodemailer from 'nodemailer';
import type { EmailSender } from '../domain/notification';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  pass?: string | undefined;
  from: string;
  /** Sends at once (the delivery worker's concurrency), so none waits in the pool's queue. */
  maxConnections: number;
}

/** E-mail over SMTP with nodemailer; one pooled transport per service instance. */
export function createSmtpEmailSender(smtp: SmtpSettings): EmailSender & { verify(): Promise<void>; close(): void } {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    pool: true,
    // A send waiting for a pooled connection would run past its lease unnoticed.
    maxConnections: smtp.maxConnections,
    // Together these bound one send (SMTP_SEND_BUDGET_MS in config.ts), which the send lease
    // must outlast; nodemailer's own defaults run to minutes.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 20_000,
  });
  return {
    async send(mail) {
      await transport.sendMail({ from: smtp.from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, messageId: mail.messageId });
    },
    async verify() {
      await transport.verify();
    },
    close() {
      transport.close();
    },
  };
}
