"""nabla_dist: data-parallel training of a nabla (Node) script over torch.distributed.

Each rank is a Python process that joins a torch.distributed process group (gloo on CPUs, NCCL on
GPUs) and starts the user's Node script as its child; the script's `fromEnv()` from
`@nabla/distributed` talks to it over a shared-memory file (the data) and two pipes (the
requests and their answers), and this process runs the collectives on the file's memory in place.

    python3 -m nabla_dist --nproc 2 train.mjs            # N ranks on this machine
    torchrun --nproc_per_node 2 -m nabla_dist train.mjs  # one rank per torchrun worker

Only the standard library, NumPy and torch: nothing is downloaded.
"""

__all__ = ['main']

from .cli import main
