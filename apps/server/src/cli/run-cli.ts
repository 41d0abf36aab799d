/**
 * How the database CLIs (migrate, seed) end: with main's exit code, or with one line saying what
 * failed (a configuration problem as the config check words it) and exit code 1.
 */
export function runCli(name: string, main: (argv: string[]) => Promise<number>): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`[${name}] failed: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(1);
    },
  );
}
