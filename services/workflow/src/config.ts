import { z } from 'zod';
import { DEFAULT_CALENDAR_PATH } from '@tthc/calendar';
import { DEFAULT_RULES, type RulesConfig } from './domain/subject';
import { apiKeysEnv, consumerServiceEnv, envVars, parseEnv, requireApiKeysInProduction, serviceEnv, withDevKeyFallback } from '@tthc/platform';

const seconds = (fallback: number) => z.coerce.number().positive().max(10 * 365 * 86400).default(fallback);
const count = (fallback: number) => z.coerce.number().int().min(0).max(100).default(fallback);
const days = (fallback: number) => z.coerce.number().positive().max(365).default(fallback);
const flag = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'], { message: 'must be true or false' })
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1'));

const schema = z
  .object({
    ...apiKeysEnv,
    // PORT serves health, readiness, metrics and the calendar reload.
    ...serviceEnv(8082),
    // REDIS_URL holds the unknown-subject sweep, a BullMQ job scheduler, so one instance runs it at a time.
    ...consumerServiceEnv,
    // Workflow batches the reads and writes of the subjects it applies together (see
    // subject.repository.ts): the more lanes and partitions at once, the fewer round trips each.
    KAFKA_CONSUMER_CONCURRENCY: envVars.consumerConcurrency.default(512),
    KAFKA_PARTITIONS_CONCURRENTLY: envVars.partitionsConcurrently.default(6),
    // The national calendar used until a version is applied with `calendar:apply`.
    CALENDAR_FILE: envVars.jsonFile.default(DEFAULT_CALENDAR_PATH),
    AGENCY_PROFILES_FILE: envVars.agencyProfilesFile,
    // How often stored calendar versions are looked for; POST /v1/admin/calendar/reload skips the wait.
    CALENDAR_POLL_SECONDS: seconds(30),
    // How often facts of subjects without a reception are looked for.
    UNKNOWN_SWEEP_SECONDS: seconds(300),
    // A portal may send a dossier's later facts before its reception; after this long they are
    // dead-lettered. The law sets no such period: one day is a choice.
    UNKNOWN_DOSSIER_GRACE_SECONDS: seconds(86_400),
    // Unconfirmed rule: a dossier code in the TT 04/2025 shape (MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX)
    // starts with the receiving unit's agency code, so a fact sent by a key must come from a key
    // that covers that agency. It stops a key from receiving another agency's next dossier
    // ahead of it. Turn it off where portals number other units' dossiers in that shape.
    CODE_AGENCY_CHECK: flag(true),
    // Rules the law did not confirm (docs/legal-rules.md, tags [C]/[P]); defaults are DEFAULT_RULES.
    // Whether waiting for a financial obligation stops the clock like a supplement request.
    RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK: flag(DEFAULT_RULES.financialObligationPausesClock),
    // Supplement requests during processing before the dossier counts late (portal methodology: 1).
    RULE_SUPPLEMENT_REQUESTS_BEFORE_LATE: count(DEFAULT_RULES.supplementRequestsBeforeLate),
    // Re-appointments allowed (Lai Châu QĐ 88/2025: "không quá một lần").
    RULE_MAX_REAPPOINTMENTS: count(DEFAULT_RULES.maxReappointments),
    // Working days before the due instant by which an apology must be issued.
    RULE_APOLOGY_LEAD_WORKING_DAYS: count(DEFAULT_RULES.apologyLeadWorkingDays),
    // Working days to hand a received dossier to the competent agency (ND 118/2025: 1); 0 = not tracked.
    RULE_FORWARDING_WORKING_DAYS: count(DEFAULT_RULES.forwardingWorkingDays),
    // PAKN deadlines in working days (ND 20/2008 Điều 9; portal 766 methodology).
    RULE_PETITION_TRANSFER_DAYS: days(DEFAULT_RULES.petition.transferDays),
    RULE_PETITION_REJECT_DAYS: days(DEFAULT_RULES.petition.rejectDays),
    RULE_PETITION_SUPPLEMENT_DAYS: days(DEFAULT_RULES.petition.supplementDays),
    RULE_PETITION_ANSWER_DAYS: days(DEFAULT_RULES.petition.answerDays),
    RULE_PETITION_PUBLISH_DAYS: days(DEFAULT_RULES.petition.publishDays),
  })
  .superRefine(requireApiKeysInProduction);

export type WorkflowConfig = ReturnType<typeof withDevKeyFallback<z.infer<typeof schema>>>;

/** The derivation rules the configuration sets. */
export function rulesOf(config: WorkflowConfig): RulesConfig {
  return {
    financialObligationPausesClock: config.RULE_FINANCIAL_OBLIGATION_PAUSES_CLOCK,
    supplementRequestsBeforeLate: config.RULE_SUPPLEMENT_REQUESTS_BEFORE_LATE,
    maxReappointments: config.RULE_MAX_REAPPOINTMENTS,
    apologyLeadWorkingDays: config.RULE_APOLOGY_LEAD_WORKING_DAYS,
    forwardingWorkingDays: config.RULE_FORWARDING_WORKING_DAYS,
    petition: {
      transferDays: config.RULE_PETITION_TRANSFER_DAYS,
      rejectDays: config.RULE_PETITION_REJECT_DAYS,
      supplementDays: config.RULE_PETITION_SUPPLEMENT_DAYS,
      answerDays: config.RULE_PETITION_ANSWER_DAYS,
      publishDays: config.RULE_PETITION_PUBLISH_DAYS,
    },
  };
}

export function loadConfig(env: Record<string, string | undefined> = process.env): WorkflowConfig {
  return withDevKeyFallback(parseEnv(schema, env, 'workflow'));
}
