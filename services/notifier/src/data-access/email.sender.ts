import nodemailer from 'nodemailer';
import type { EmailSender } from '../domain/notification';

export interface SmtpSettings {
  host: string;
  port: number;
  secure: boolean;
  user?: string | undefined;
  pass?: string | undefined;
  from: string;
}

/** E-mail over SMTP with nodemailer; one pooled transport per service instance. */
export function createSmtpEmailSender(smtp: SmtpSettings): EmailSender & { verify(): Promise<void>; close(): void } {
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.pass ?? '' } } : {}),
    pool: true,
    connectionTimeout: 10_000,
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
