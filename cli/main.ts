/**
 * `connect-user-identity`, the package's command-line tool: `export`, `plan` and `check`. Commander parses
 * the command line (it gives each command its help, refuses unknown options and missing values, and is
 * the most used parser for Node.js, with no dependency of its own). Each command's code is loaded only
 * when it runs, so that `--help` starts at once.
 *
 * Exit codes: 0 done (for `plan`: nothing would change), 2 `plan` found changes, 1 an error, 130
 * interrupted. Results go to stdout (or the `--out` file), progress and messages to stderr.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { version } from '../package.json';
import { CliError, EXIT } from './errors';
import { DEFAULT_THROTTLE_TIMEOUT_SECONDS } from './session';

function seconds(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new InvalidArgumentError('give a whole number of seconds, 1 or more.');
  return parsed;
}

const regionOption = () => new Option('--region <region>', 'the AWS region (default: the instance ARN\'s, else AWS_REGION or your profile\'s)');
const profileOption = () => new Option('--profile <profile>', 'the AWS profile to take credentials and region from (default: AWS_PROFILE, else the default chain)');
const throttleOption = () =>
  new Option('--throttle-timeout <seconds>', 'give up when Connect throttles every request of an operation for this long')
    .argParser(seconds)
    .default(DEFAULT_THROTTLE_TIMEOUT_SECONDS);

/** The program, with its commands; `exit` receives each command's exit code. */
export function program(exit: (code: number) => void): Command {
  const root = new Command('connect-user-identity')
    .description('Adopt and check the Amazon Connect users that a ConnectUserRoster declares.')
    .version(version)
    .showHelpAfterError('(add --help for usage)');

  const run = async (work: () => Promise<number> | number) => {
    try {
      exit(await work());
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      process.stderr.write(`${error.message}\n`);
      exit(error.exitCode);
    }
  };

  root
    .command('export')
    .description("write a roster file of an instance's users as Connect holds them (CSV, JSON or YAML, by the file's extension)")
    .requiredOption('--instance <id-or-arn>', 'the Connect instance: its ID or ARN')
    .requiredOption('--out <file>', 'the roster file to write: .csv, .json, .yaml or .yml')
    .addOption(regionOption())
    .addOption(profileOption())
    .option('--fields <fields>', 'the fields to manage, comma-separated (default: every field the instance lets the API write)')
    .option('--users <file>', 'only the users this file names, one user ID or username a line (default: every user)')
    .option('--force', 'replace --out if it exists', false)
    .addOption(throttleOption())
    .action(async (options: { instance: string; out: string; region?: string; profile?: string; fields?: string; users?: string; force: boolean; throttleTimeout: number }) => {
      useProfile(options.profile);
      const { runExport } = await import('./export');
      await run(() => runExport(options));
    });

  root
    .command('plan')
    .description('show what a deploy of a roster would change in Connect now; exit 0: nothing, 2: changes, 1: error')
    .argument('<roster>', 'a roster file or directory')
    .option('--show-values', 'show the values held and declared (only when stdout is a terminal)', false)
    .addOption(regionOption().default(undefined, "the default chain's, for instance IDs"))
    .addOption(profileOption())
    .addOption(throttleOption())
    .action(async (roster: string, options: { showValues: boolean; region?: string; profile?: string; throttleTimeout: number }) => {
      useProfile(options.profile);
      const { runPlan } = await import('./plan');
      await run(() => runPlan({ roster, ...options }));
    });

  root
    .command('check')
    .description('check a roster offline with the rules of cdk synth, and print every problem')
    .argument('<roster>', 'a roster file or directory')
    .action(async (roster: string) => {
      const { runCheck } = await import('./check');
      await run(() => runCheck(roster));
    });

  return root;
}

/** `--profile` works as AWS_PROFILE does, for the SDK's credential chain and region. */
function useProfile(profile: string | undefined): void {
  if (profile !== undefined) process.env.AWS_PROFILE = profile;
}

if (require.main === module) {
  program((code) => {
    process.exitCode = code;
  })
    .parseAsync(process.argv)
    .catch((error: unknown) => {
      // A fault of the tool itself: its name only, since a message could quote a value.
      process.stderr.write(`Unexpected ${error instanceof Error ? error.name : typeof error}; nothing was written.\n`);
      process.exitCode = EXIT.error;
    });
}
