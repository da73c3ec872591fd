/**
 * How the command-line tool ends: the exit codes scripts rely on, and the error a command throws to end
 * with a message a person can act on (never an identity value, a username or a stack trace).
 */

/** The exit codes, as `terraform plan -detailed-exitcode` has them, and the shell's for an interrupt. */
export const EXIT = {
  /** Done; for `plan`, nothing would change. */
  ok: 0,
  /** An error: nothing (more) was done. */
  error: 1,
  /** `plan`: a deploy would change something. */
  changes: 2,
  /** Interrupted (Ctrl-C): 128 + SIGINT's number, as shells report it. */
  interrupted: 130,
} as const;

/** An error that ends a command with a message for the person who ran it, and an exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.error,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

/** The run was interrupted (Ctrl-C, or a SIGTERM). */
export class Interrupted extends CliError {
  constructor(signal: string) {
    super(`Interrupted (${signal}): nothing was written.`, EXIT.interrupted);
    this.name = 'Interrupted';
  }
}
