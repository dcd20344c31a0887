import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { Socket } from 'node:net';
import { NablaError } from '@nabla/core';
import type { LaunchEnv } from './env.js';

/** The most bytes one fs call moves (Node's limit is 2 GiB - 1). */
const CHUNK = 1 << 30;

export type Op = 'allreduce' | 'broadcast' | 'barrier';

/**
 * The Node end of the channel to this rank's Python process: the data goes through a
 * shared-memory file (one writeSync from the caller's Float32Array into it, the collective in
 * place on Python's mapping of it, one readSync back: two copies in all, both of memory), the
 * requests through one pipe and the answers through another. One call at a time, in call order.
 *
 * The answer pipe is read asynchronously, so the event loop runs during a collective; it holds
 * the process open only while a call waits. When the Python process ends, the pipe closes: the
 * waiting call and every later one fail with the reason.
 */
export class Channel {
  private readonly shmFd: number;
  private readonly answers: Socket;
  private pending?: { resolve: (payload: string) => void; reject: (e: Error) => void; what: string };
  /** What this side measured: calls, floats, and seconds from a call's start to its data back (copies included). */
  readonly measured = { calls: 0, floats: 0, seconds: 0 };
  private received = '';
  private queue: Promise<unknown> = Promise.resolve();
  private failure?: NablaError;
  private closed = false;

  constructor(private readonly env: LaunchEnv) {
    try {
      this.shmFd = openSync(env.shmPath, 'r+');
    } catch (e) {
      throw new NablaError(
        `distributed fromEnv: cannot open the shared-memory file NABLA_DIST_SHM=${env.shmPath} (${(e as Error).message}); was this process started by the launcher?`,
      );
    }
    this.answers = new Socket({ fd: env.answerFd, readable: true, writable: false });
    this.answers.setEncoding('utf8');
    this.answers.on('data', (chunk: string) => this.onData(chunk));
    this.answers.on('end', () => this.fail(this.ended('closed the channel')));
    this.answers.on('error', (e) => this.fail(this.ended(`broke the channel (${e.message})`)));
    this.answers.unref();
  }

  /** Runs one request: its data (when there is any) goes in, the collective's result comes back into it. */
  request(op: Op, what: string, data?: Float32Array, root = 0): Promise<void> {
    const run = this.queue.then(() => this.run(op, what, data, root));
    this.queue = run.catch(() => {});
    return run;
  }

  /** The Python side's counts: its calls, floats, and seconds inside torch.distributed. */
  remoteStats(): Promise<{ calls: number; floats: number; seconds: number }> {
    const run = this.queue.then(async () => {
      if (this.failure) throw this.failure;
      this.send('stats\n', 'stats');
      return JSON.parse(await this.answer('stats'));
    });
    this.queue = run.catch(() => {});
    return run;
  }

  /**
   * This rank gives up (fit failed here for a reason of its own): the Python process publishes
   * the reason and breaks its connections, so that every other rank's pending and later
   * collectives fail now, naming this rank and the reason. Sent at once, not queued; later
   * calls here fail.
   */
  abort(reason: string): void {
    if (this.failure) return;
    try {
      writeSync(this.env.requestFd, `abort ${JSON.stringify(reason)}\n`);
    } catch {
      // The Python process is gone already: the others notice that by themselves.
    }
    this.fail(new NablaError(`distributed: rank ${this.env.rank} gave up (abort): ${reason}`));
  }

  /** Tells the Python process that no more requests come, then lets go of the channel. */
  async close(): Promise<void> {
    if (this.closed) return;
    if (!this.failure) {
      try {
        await this.queue;
        this.send('done\n', 'close');
        await this.answer('close');
      } catch {
        // Already failed or gone: closing is all that is left.
      }
    }
    this.closed = true;
    this.failure ??= new NablaError('distributed: this process group was closed (close()); no collective can run after it');
    this.answers.destroy();
    closeSync(this.shmFd);
    try {
      closeSync(this.env.requestFd);
    } catch {
      // Already closed with the process group.
    }
  }

  private async run(op: Op, what: string, data: Float32Array | undefined, root: number): Promise<void> {
    if (this.failure) throw this.failure;
    const start = performance.now();
    const bytes = data ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : undefined;
    // Only the source of a broadcast has anything to send.
    if (bytes && (op === 'allreduce' || this.env.rank === root)) transfer(writeSync, this.shmFd, bytes);
    this.send(`${op} ${data?.length ?? 0} ${root}\n`, what);
    await this.answer(what);
    if (bytes) transfer(readSync, this.shmFd, bytes);
    this.measured.calls += 1;
    this.measured.floats += data?.length ?? 0;
    this.measured.seconds += (performance.now() - start) / 1000;
  }

  private send(line: string, what: string): void {
    try {
      writeSync(this.env.requestFd, line);
    } catch (e) {
      throw this.fail(this.ended(`is gone (${what}: ${(e as Error).message})`));
    }
  }

  private answer(what: string): Promise<string> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending = { resolve, reject, what };
      this.answers.ref();
    });
  }

  private onData(chunk: string): void {
    this.received += chunk;
    for (let nl = this.received.indexOf('\n'); nl >= 0; nl = this.received.indexOf('\n')) {
      const line = this.received.slice(0, nl);
      this.received = this.received.slice(nl + 1);
      const pending = this.pending;
      this.pending = undefined;
      this.answers.unref();
      if (!pending) {
        this.fail(new NablaError(`distributed: an answer nothing asked for came from the rank process: '${line}'`));
        continue;
      }
      if (line === 'ok' || line.startsWith('ok ')) pending.resolve(line.slice(3));
      else if (line.startsWith('error '))
        pending.reject(this.fail(new NablaError(`distributed ${pending.what}: ${parseMessage(line.slice(6))}`)));
      else pending.reject(this.fail(new NablaError(`distributed ${pending.what}: unreadable answer from the rank process: '${line}'`)));
    }
  }

  private ended(how: string): NablaError {
    return new NablaError(
      `distributed: rank ${this.env.rank} of ${this.env.worldSize}: its launcher process (nabla_dist, the parent of this process) ${how}; ` +
        'it ended or was killed, and with it this job (its output says why)',
    );
  }

  /** Records the first failure (every later call fails with it) and fails the waiting call. */
  private fail(error: NablaError): NablaError {
    this.failure ??= error;
    const pending = this.pending;
    this.pending = undefined;
    this.answers.unref();
    pending?.reject(this.failure);
    return this.failure;
  }
}

function parseMessage(json: string): string {
  try {
    return String(JSON.parse(json));
  } catch {
    return json;
  }
}

/** Moves all of `bytes` to or from the start of the file (fs calls may move less than asked). */
function transfer(
  io: (fd: number, b: Uint8Array, offset: number, length: number, position: number) => number,
  fd: number,
  bytes: Uint8Array,
): void {
  for (let done = 0; done < bytes.byteLength; ) {
    const n = io(fd, bytes, done, Math.min(CHUNK, bytes.byteLength - done), done);
    if (n <= 0) throw new NablaError(`distributed: the shared-memory file ended at byte ${done} of ${bytes.byteLength}`);
    done += n;
  }
}
