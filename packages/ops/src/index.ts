export { main as dlqMain, EXIT_FAILED, EXIT_OK, EXIT_USAGE, type DlqIo } from './cli/dlq.cli';
export { parseDlqArgs, UsageError, USAGE as DLQ_USAGE, type DlqCommand, type OffsetRef } from './cli/dlq-args.parser';
export { readDeadLetters, type DeadLetterMessage } from './data-access/dead-letter.reader';
export { replayDeadLetters, replayedFrom, REPLAYED_FROM_HEADER, type Replay } from './data-access/dead-letter.replayer';
export { DEV_MONGO_URL, operatorName, redactUrl, runCliAsProcess, type CliEnv, type CliIo, type StoreCliIo } from './cli/operator-cli';
