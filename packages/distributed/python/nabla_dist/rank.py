"""One rank: join the process group, start the Node script, serve its collectives until it ends.

The request pipe carries one line per call from Node (`allreduce N ROOT`, `broadcast N ROOT`,
`barrier 0 0`, `stats`, `done`), the answer pipe one line back (`ok`, `ok <JSON>` for stats, or
`error <JSON string>`). The data is
in the shared-memory file (channel.py). Failures end the rank with a message and a nonzero
code, never a hang:
  - the Node script ends (EOF on the request pipe): its exit code is this rank's;
  - a collective fails (another rank ended: gloo sees its connections close at once; or it
    hung: --timeout): the script gets the error as its call's answer, so its fit rejects; it
    has --grace seconds to end before it is stopped;
  - this process is told to stop (SIGTERM, SIGINT: torchrun, the plain launcher, Ctrl-C): it
    stops the script too.
"""

import json
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

from .channel import SharedBuffer, note_failure, shm_path

# Store keys: how many ranks failed, and the first one's message.
FAILURES = 'nabla_dist/failures'
FAILURE = 'nabla_dist/failure'


def exit_code(returncode):
    """A child's exit code as a shell reports it: 128 + N for a process ended by signal N."""
    return 128 - returncode if returncode < 0 else returncode


def describe_exit(returncode):
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f'signal {-returncode}'
        return f'was killed by {name}'
    if returncode > 128:
        try:
            return f'exited with code {returncode} (128 + {signal.Signals(returncode - 128).name})'
        except ValueError:
            pass
    return f'exited with code {returncode}'


class Rank:
    def __init__(self, args, command):
        self.args = args
        self.command = command
        self.rank = int(os.environ['RANK'])
        self.world = int(os.environ['WORLD_SIZE'])
        self.local_rank = int(os.environ.get('LOCAL_RANK', self.rank))
        self.local_world = int(os.environ.get('LOCAL_WORLD_SIZE', self.world))
        self.child = None
        # When this rank saw its failure (CLOCK_MONOTONIC, the same clock in every process here).
        self.failed_at = None
        # Time spent in torch.distributed's calls, for the script's stats().
        self.stats = {'calls': 0, 'floats': 0, 'seconds': 0.0}

    def say(self, message):
        print(f'nabla_dist rank {self.rank}/{self.world}: {message}', file=sys.stderr, flush=True)

    def join(self):
        import torch
        import torch.distributed as dist

        self.device = None
        if self.args.backend == 'nccl':
            if not torch.cuda.is_available():
                raise RuntimeError('--backend nccl needs CUDA, and torch sees no CUDA device here: use --backend gloo')
            self.device = torch.device('cuda', self.local_rank)
            torch.cuda.set_device(self.device)
        # env:// reads MASTER_ADDR, MASTER_PORT, RANK and WORLD_SIZE; the timeout bounds joining
        # and every collective.
        dist.init_process_group(self.args.backend, timeout=timedelta(seconds=self.args.timeout))
        self.dist = dist
        # Held here, the store (rank 0 serves it) outlives the group when a failure destroys it.
        self.store = dist.distributed_c10d._get_default_store()
        self.gpu_buffers = {}

    def start_child(self, buffer):
        req_r, req_w = os.pipe()
        resp_r, resp_w = os.pipe()
        env = dict(
            os.environ,
            NABLA_DIST_RANK=str(self.rank),
            NABLA_DIST_WORLD_SIZE=str(self.world),
            NABLA_DIST_LOCAL_RANK=str(self.local_rank),
            NABLA_DIST_LOCAL_WORLD_SIZE=str(self.local_world),
            NABLA_DIST_BACKEND=self.args.backend,
            NABLA_DIST_SHM=buffer.path,
            # The child's ends keep their numbers (pass_fds): it writes requests, reads answers.
            NABLA_DIST_FDS=f'{req_w},{resp_r}',
        )
        try:
            self.child = subprocess.Popen(self.command, env=env, pass_fds=(req_w, resp_r))
        finally:
            os.close(req_w)
            os.close(resp_r)
        return os.fdopen(req_r, 'rb'), os.fdopen(resp_w, 'wb', buffering=0)

    def collective(self, op, n, root, buffer):
        dist = self.dist
        if op == 'barrier':
            dist.barrier()
            return
        if n == 0:
            return
        t = buffer.view(n)
        if self.device is not None:
            # NCCL reduces GPU memory: through a buffer on this rank's GPU.
            g = self.gpu_buffers.get(n)
            if g is None:
                g = self.gpu_buffers[n] = torch_empty_like_on(t, self.device)
            g.copy_(t)
            t, back = g, t
        if op == 'allreduce':
            dist.all_reduce(t)
        else:
            dist.broadcast(t, src=root)
        if self.device is not None:
            back.copy_(t)

    def serve(self, requests, answers, buffer):
        """Answers the script's calls; returns None when it is done, else the failure's message."""
        for line in requests:
            parts = line.decode('utf-8', 'replace').split(' ', 1)
            op = parts[0].strip()
            if op == 'done':
                answers.write(b'ok\n')
                return None
            if op == 'stats':
                answers.write(b'ok ' + json.dumps(self.stats).encode() + b'\n')
                continue
            if op == 'abort':
                # fit failed on this rank for a reason of its own: tell the others why, and end
                # their waits now (no answer: the script is already failing).
                reason = parse_reason(parts[1] if len(parts) > 1 else '')
                message = f'rank {self.rank} gave up: {reason}'
                self.failed_at = time.monotonic()
                self.give_up(message)
                return message
            start = time.monotonic()
            try:
                args = parts[1].split() if len(parts) > 1 else []
                if op not in ('allreduce', 'broadcast', 'barrier'):
                    raise ValueError(f'unknown request {line!r}')
                n = int(args[0]) if args else 0
                root = int(args[1]) if len(args) > 1 else 0
                if not 0 <= root < self.world:
                    raise ValueError(f'broadcast root {root} is not a rank of this job (0 to {self.world - 1})')
                self.collective(op, n, root, buffer)
                self.stats['calls'] += 1
                self.stats['floats'] += n
                self.stats['seconds'] += time.monotonic() - start
            except Exception as e:  # noqa: BLE001 - every failure goes back to the script
                self.failed_at = time.monotonic()
                what = {'allreduce': 'all_reduce', 'broadcast': 'broadcast', 'barrier': 'barrier'}.get(op, op)
                waited = time.monotonic() - start
                cause = self.published_failure()
                because = (
                    f'because {cause}'
                    if cause
                    else 'another rank probably ended or stopped answering (its own output says why)'
                )
                message = (
                    f"rank {self.rank} of {self.world}: torch.distributed's {what} failed after {waited:.1f} s, "
                    f'{because} [{str(e).strip()}]; this job stops'
                )
                self.give_up(message if cause is None else None)
                try:
                    answers.write(b'error ' + json.dumps(message).encode() + b'\n')
                except OSError:
                    pass
                return message
            try:
                answers.write(b'ok\n')
            except BrokenPipeError:
                break  # the script is gone: the exit code says why
        # The script closed its end: it ended (its exit code says how).
        self.failed_at = time.monotonic()
        return None

    def give_up(self, message):
        """Publishes why this rank ends (the first such message wins) and breaks its connections,
        so that the others' pending and later collectives fail now rather than at --timeout."""
        if message is not None:
            try:
                self.store.set_timeout(timedelta(seconds=2))
                if self.store.add(FAILURES, 1) == 1:
                    self.store.set(FAILURE, message)
            except Exception:  # noqa: BLE001 - the store may be gone with rank 0; the closed connections still tell
                pass
        if self.dist.is_initialized():
            self.dist.destroy_process_group()

    def published_failure(self):
        """The message of the rank that failed first, if one published it."""
        try:
            self.store.set_timeout(timedelta(seconds=2))
            if self.store.add(FAILURES, 0) > 0:
                return self.store.get(FAILURE).decode('utf-8', 'replace')
        except Exception:  # noqa: BLE001
            pass
        return None

    def wait_child(self, limit):
        try:
            return self.child.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            self.say(f'the script (pid {self.child.pid}) did not end {limit:g} s after the failure: stopping it')
            self.child.terminate()
            try:
                return self.child.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.child.kill()
                return self.child.wait()

    def on_signal(self, signum, _frame):
        if self.child is not None and self.child.poll() is None:
            self.child.send_signal(signum)
        raise SystemExit(128 + signum)

    def run(self):
        signal.signal(signal.SIGTERM, self.on_signal)
        signal.signal(signal.SIGINT, self.on_signal)
        try:
            self.join()
        except Exception as e:  # noqa: BLE001
            self.say(
                f'could not join the process group ({self.args.backend}, MASTER_ADDR={os.environ.get("MASTER_ADDR")}, '
                f'MASTER_PORT={os.environ.get("MASTER_PORT")}, timeout {self.args.timeout:g} s): {str(e).strip()}'
            )
            return 1
        job = os.environ.get('NABLA_DIST_JOB') or os.environ.get('TORCHELASTIC_RUN_ID') or os.environ['MASTER_PORT']
        buffer = SharedBuffer(shm_path(job, self.rank))
        try:
            try:
                requests, answers = self.start_child(buffer)
            except OSError as e:
                self.say(f'could not start {" ".join(self.command)}: {e}')
                return 1
            failure = self.serve(requests, answers, buffer)
            returncode = self.wait_child(self.args.grace) if failure else self.child.wait()
            requests.close()
            answers.close()
            if returncode != 0 or failure:
                note_failure(job, self.rank, self.failed_at)
            if returncode != 0:
                ended = f'its script (pid {self.child.pid}) {describe_exit(returncode)}'
                self.say(ended)
                if not failure:
                    self.give_up(f'rank {self.rank} ended: {ended}')
                return exit_code(returncode)
            if failure:
                self.say(f'the script ended with code 0 after a failed collective: {failure}')
                return 1
            # Read only if another rank's collective then fails: it waited for a call this rank never made.
            self.give_up(
                f'rank {self.rank} ended normally (its script exited with code 0) while this rank still called '
                'collectives: every rank must make the same calls'
            )
            return 0
        finally:
            buffer.close()


def parse_reason(text):
    try:
        return str(json.loads(text))
    except ValueError:
        return text.strip()


def torch_empty_like_on(t, device):
    import torch

    return torch.empty(t.shape, dtype=t.dtype, device=device)


def run_rank(args, command):
    return Rank(args, command).run()
