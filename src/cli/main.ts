#!/usr/bin/env node
/**
 * The `samlkit` executable (package.json `bin`).
 *
 * @module
 */
import { runCli } from './cli.js';
import { nodeIo } from './node-io.js';

// `samlkit inspect --xml | head` closes the pipe early: not an error.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code !== 'EPIPE') throw error;
});

process.exitCode = await runCli(process.argv.slice(2), nodeIo());
