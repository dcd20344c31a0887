"""The plain launcher: N ranks on this machine, for where torchrun is not at hand.

Debian 12's torchrun (torch 1.13 on Python 3.11) fails at start-up in its own argument
handling, while ranks given the standard environment (MASTER_ADDR, MASTER_PORT, RANK,
WORLD_SIZE, LOCAL_RANK) join a group and work. This sets that environment for each rank and
watches them: when one fails, the others get --grace seconds to end by themselves (they
normally fail at once, on their next collective) and are then stopped, so the job never hangs.
The exit code is the first failure's.
"""

import os
import signal
import socket
import subprocess
import sys
import time

from .channel import failure_time, remove_job_files
from .rank import describe_exit, exit_code

PACKAGE_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def free_port(addr):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((addr, 0))
        return s.getsockname()[1]


def say(message):
    print(f'nabla_dist: {message}', file=sys.stderr, flush=True)


def signal_group(proc, signum):
    """Signals a rank's process group: its Python process and the Node script it started."""
    try:
        os.killpg(proc.pid, signum)
    except ProcessLookupError:
        pass


def first_failure(job, codes):
    """The rank whose failure came first: the others fail because of it, and may end before it.
    Each rank notes when it saw its failure; one that could not (killed outright) comes first."""
    failed = [r for r, c in enumerate(codes) if c != 0]
    if not failed:
        return None
    times = {r: failure_time(job, r) for r in failed}
    return min(failed, key=lambda r: (times[r] is not None, times[r] or 0.0, r))


def launch(nproc, args, command):
    port = args.master_port or free_port(args.master_addr)
    job = f'{os.getpid()}'
    pythonpath = os.pathsep.join(p for p in (PACKAGE_ROOT, os.environ.get('PYTHONPATH')) if p)
    options = ['--backend', args.backend, '--timeout', str(args.timeout), '--grace', str(args.grace), '--node', args.node]
    procs = []
    for rank in range(nproc):
        env = dict(
            os.environ,
            PYTHONPATH=pythonpath,
            MASTER_ADDR=args.master_addr,
            MASTER_PORT=str(port),
            RANK=str(rank),
            WORLD_SIZE=str(nproc),
            LOCAL_RANK=str(rank),
            LOCAL_WORLD_SIZE=str(nproc),
            GROUP_RANK='0',
            NABLA_DIST_JOB=job,
        )
        # Each rank leads a process group of its own, so that stopping it reaches its script too.
        procs.append(
            subprocess.Popen([sys.executable, '-m', 'nabla_dist', *options, *command], env=env, start_new_session=True)
        )

    stop = {'signal': None}

    def forward(signum, _frame):
        stop['signal'] = signum
        for p in procs:
            if p.poll() is None:
                signal_group(p, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)

    codes = [None] * nproc
    failed = False
    terminate_at = kill_at = None
    while True:
        for rank, p in enumerate(procs):
            if codes[rank] is None and p.poll() is not None:
                codes[rank] = p.returncode
                if p.returncode != 0 and not failed:
                    failed = True
                    terminate_at = time.monotonic() + args.grace
                    if any(c is None for c in codes):
                        say(f'rank {rank} {describe_exit(p.returncode)}; the others get {args.grace:g} s to end before they are stopped')
        if all(c is not None for c in codes):
            break
        now = time.monotonic()
        if terminate_at is not None and now >= terminate_at:
            running = [r for r, c in enumerate(codes) if c is None]
            say(f'rank(s) {", ".join(map(str, running))} still running {args.grace:g} s after a rank failed: stopping them')
            for r in running:
                signal_group(procs[r], signal.SIGTERM)
            terminate_at, kill_at = None, now + 5
        if kill_at is not None and now >= kill_at:
            for r, c in enumerate(codes):
                if c is None:
                    signal_group(procs[r], signal.SIGKILL)
            kill_at = None
        time.sleep(0.02)

    if failed or stop['signal'] is not None:
        # A rank's Python killed outright leaves its script behind, in the rank's process group.
        for p in procs:
            signal_group(p, signal.SIGKILL)
    first = first_failure(job, codes)
    remove_job_files(job)
    if first is not None:
        if nproc > 1:
            say(f'the job failed: rank {first} first, which {describe_exit(codes[first])}')
        return exit_code(codes[first])
    if stop['signal'] is not None:
        return 128 + stop['signal']
    return 0
