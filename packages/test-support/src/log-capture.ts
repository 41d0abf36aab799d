import { Writable } from 'node:stream';

/**
 * A pino destination that keeps every line: parsed, for "this was logged" checks, and as raw text,
 * for "this never appears in a log" checks.
 */
export class LogCapture extends Writable {
  readonly #chunks: string[] = [];

  override _write(chunk: Buffer, _encoding: string, done: () => void): void {
    this.#chunks.push(chunk.toString('utf8'));
    done();
  }

  get text(): string {
    return this.#chunks.join('');
  }

  get lines(): Array<Record<string, unknown>> {
    return this.text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  }
}
