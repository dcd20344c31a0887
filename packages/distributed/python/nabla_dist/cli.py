"""The command line: which of the two ways of starting this is, and the options both share."""

import argparse
import os
import sys

USAGE_EXAMPLES = """
ways to start a job:
  python3 -m nabla_dist --nproc 2 train.mjs [args...]
      N ranks on this machine (this process starts them, with MASTER_ADDR, MASTER_PORT, RANK,
      WORLD_SIZE and LOCAL_RANK set, and stops them all when one fails)
  torchrun --nnodes 2 --nproc_per_node 4 --rdzv_backend c10d --rdzv_endpoint HOST:29400 -m nabla_dist train.mjs
      one rank per torchrun worker (any launcher that sets RANK, WORLD_SIZE, MASTER_ADDR and
      MASTER_PORT works the same: Kubeflow's PyTorchJob, Slurm with those variables)

A command ending in .js, .mjs or .cjs runs with Node (--node); anything else runs as it is
(e.g. `node --max-old-space-size=8192 train.mjs`).
"""

DEFAULT_TIMEOUT_S = 300.0
DEFAULT_GRACE_S = 10.0


def env_float(name, default):
    value = os.environ.get(name)
    if value is None or value == '':
        return default
    try:
        return float(value)
    except ValueError:
        raise SystemExit(f'nabla_dist: {name} must be a number of seconds, got {value!r}')


def parser():
    p = argparse.ArgumentParser(
        prog='python3 -m nabla_dist',
        description="Data-parallel training of a nabla script: torch.distributed does the collectives, Node the rest.",
        epilog=USAGE_EXAMPLES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        '--nproc',
        '--nproc-per-node',
        '--nproc_per_node',
        type=int,
        help='start this many ranks on this machine; without it this process is one rank of a job '
        'whose launcher (torchrun) set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT',
    )
    p.add_argument(
        '--backend',
        choices=['gloo', 'nccl'],
        default=os.environ.get('NABLA_DIST_BACKEND', 'gloo'),
        help="torch.distributed's backend: gloo (CPUs; the default) or nccl (CUDA GPUs, one per LOCAL_RANK); "
        'env NABLA_DIST_BACKEND',
    )
    p.add_argument(
        '--timeout',
        type=float,
        default=env_float('NABLA_DIST_TIMEOUT', DEFAULT_TIMEOUT_S),
        help='seconds a collective (or joining the group) waits for the other ranks before it fails '
        f'(default {DEFAULT_TIMEOUT_S:g}; env NABLA_DIST_TIMEOUT). A rank whose process ends is '
        'noticed sooner: its connections close',
    )
    p.add_argument(
        '--grace',
        type=float,
        default=env_float('NABLA_DIST_GRACE', DEFAULT_GRACE_S),
        help='after a failure, seconds the other processes get to end by themselves before they are '
        f'stopped (default {DEFAULT_GRACE_S:g}; env NABLA_DIST_GRACE)',
    )
    p.add_argument('--master-addr', default='127.0.0.1', help='with --nproc: the address rank 0 listens on (default 127.0.0.1)')
    p.add_argument('--master-port', type=int, default=0, help='with --nproc: its port (default: a free one)')
    p.add_argument('--node', default=os.environ.get('NABLA_NODE', 'node'), help='the Node executable (default: node; env NABLA_NODE)')
    p.add_argument('command', nargs=argparse.REMAINDER, help='the script (and its arguments) every rank runs')
    return p


def resolve_command(command, node):
    if command[0].endswith(('.js', '.mjs', '.cjs')):
        return [node, *command]
    return command


def main(argv):
    p = parser()
    args = p.parse_args(argv)
    if not args.command:
        p.error('no script to run: give one, e.g. `python3 -m nabla_dist --nproc 2 train.mjs`')
    if args.timeout <= 0 or args.grace < 0:
        p.error(f'--timeout must be positive and --grace not negative, got {args.timeout:g} and {args.grace:g}')
    command = resolve_command(args.command, args.node)
    if args.nproc is not None:
        if args.nproc < 1:
            p.error(f'--nproc must be at least 1, got {args.nproc}')
        from .launch import launch

        return launch(args.nproc, args, command)
    missing = [v for v in ('RANK', 'WORLD_SIZE', 'MASTER_ADDR', 'MASTER_PORT') if not os.environ.get(v)]
    if missing:
        print(
            f"nabla_dist: not started by a launcher ({', '.join(missing)} unset) and no --nproc: "
            'start N ranks on this machine with `python3 -m nabla_dist --nproc N script.mjs`, '
            'or one rank per worker with `torchrun --nproc_per_node N -m nabla_dist script.mjs`',
            file=sys.stderr,
        )
        return 2
    from .rank import run_rank

    return run_rank(args, command)
