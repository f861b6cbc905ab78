import { Writable } from 'node:stream';

/**
 * Keeps standard output for one protocol's messages (MCP over stdio): the
 * returned stream writes to the real stdout, and anything else in this
 * process that writes there (a `console.log`, a library's banner) goes to
 * stderr instead, where a host shows it as the server's log and it cannot
 * corrupt a message.
 */
export function reserveStdout(): Writable {
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = process.stderr.write.bind(process.stderr) as typeof process.stdout.write;
  return new Writable({
    write(chunk: Buffer | string, encoding, done) {
      write(chunk, encoding, done);
    },
  });
}
