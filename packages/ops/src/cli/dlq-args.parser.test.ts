import { DEFAULT_LIST_LIMIT, parseDlqArgs, UsageError } from './dlq-args.parser';

const problem = (argv: string[]) => {
  try {
    parseDlqArgs(argv);
  } catch (error) {
    if (error instanceof UsageError) return error.message;
    throw error;
  }
  throw new Error(`no usage error for ${argv.join(' ')}`);
};

describe('tthc-dlq arguments', () => {
  test('when list has no options, then the default limit applies and the table is chosen', () => {
    expect(parseDlqArgs(['list'])).toEqual({ command: 'list', limit: DEFAULT_LIST_LIMIT, json: false });
  });

  test('when list has every option, then each is read, in either --name value or --name=value form', () => {
    expect(parseDlqArgs(['list', '--limit', '5', '--since=2026-11-23T08:00:00+07:00', '--reason', 'unknown dossier', '--json'])).toEqual({
      command: 'list',
      limit: 5,
      json: true,
      since: Date.parse('2026-11-23T01:00:00Z'),
      reason: 'unknown dossier',
    });
  });

  test('when replay names offsets, then each is kept with its optional partition', () => {
    expect(parseDlqArgs(['replay', '--offset', '7', '--offset', '2/0012', '--dry-run'])).toEqual({
      command: 'replay',
      offsets: [
        { offset: '7', text: '7' },
        { partition: 2, offset: '12', text: '2/0012' },
      ],
      all: false,
      dryRun: true,
    });
  });

  test('when replay --all has filters, then they are kept', () => {
    expect(parseDlqArgs(['replay', '--all', '--reason', 'schema'])).toEqual({ command: 'replay', offsets: [], all: true, dryRun: false, reason: 'schema' });
  });

  test('when help is asked in any position, then help is the command', () => {
    expect(parseDlqArgs([])).toEqual({ command: 'help' });
    expect(parseDlqArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseDlqArgs(['replay', '--help'])).toEqual({ command: 'help' });
  });

  test.each([
    [['purge'], 'unknown command purge; expected list or replay'],
    [['list', '--limit', '0'], '--limit 0: must be a whole number of at least 1'],
    [['list', '--limit', 'ten'], '--limit ten: must be a whole number of at least 1'],
    [['list', '--limit'], '--limit needs a value'],
    [['list', '--since', '2026-11-23'], '--since 2026-11-23: must be an ISO 8601 instant with an offset, e.g. 2026-11-23T08:00:00+07:00'],
    [['list', '--offset', '1'], '--offset does not apply to list'],
    [['list', '--colour'], 'unknown option --colour'],
    [['list', 'extra'], 'unexpected argument extra'],
    [['list', '--json=yes'], '--json takes no value'],
    [['list', '--reason', 'a', '--reason', 'b'], '--reason is given twice'],
    [['replay'], 'replay needs --offset N (repeatable) or --all'],
    [['replay', '--all', '--offset', '1'], 'give either --offset or --all, not both'],
    [['replay', '--offset', '-1'], '--offset -1: must be OFFSET or PARTITION/OFFSET (whole numbers)'],
    [['replay', '--offset', '--all'], '--offset needs a value'],
    [['replay', '--offset', 'x/1'], '--offset x/1: must be OFFSET or PARTITION/OFFSET (whole numbers)'],
    [['replay', '--offset', '1', '--reason', 'x'], '--since and --reason select dead letters for --all; with --offset name exactly what to replay'],
    [['replay', '--all', '--json'], '--json does not apply to replay'],
  ])('when the arguments are %p, then the usage error says %s', (argv, message) => {
    expect(problem(argv)).toBe(message);
  });
});
