#!/usr/bin/env node
/**
 * The `nabla` command. Everything is in cli.ts (main(argv, io), which the tests call); this file
 * only runs it on the process's arguments and sets the exit code.
 */
import { main } from './cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    console.error(`nabla: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  },
);
