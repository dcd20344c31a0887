"""The data half of the channel to the Node script: a shared-memory file, mapped once.

Node writes a collective's input into the file (one fs.writeSync from its Float32Array), the
collective runs on a float32 view of the mapping in place (numpy.frombuffer over mmap, the same
memory numpy.memmap maps, wrapped by torch.from_numpy: no copy on this side), and Node reads the
result back (one fs.readSync). The file lives in /dev/shm (tmpfs: memory, never a disk).
"""

import glob
import mmap
import os
import tempfile

import numpy as np
import torch

PREFIX = 'nabla-dist-'


def shm_dir():
    return '/dev/shm' if os.path.isdir('/dev/shm') else tempfile.gettempdir()


def shm_path(job, rank):
    return os.path.join(shm_dir(), f'{PREFIX}{job}-{rank}-{os.getpid()}')


def note_failure(job, rank, at):
    """Tells the plain launcher when this rank saw its failure, so that it can name the rank that
    failed first (the others fail because of it, and may end first). Only under the plain launcher."""
    if os.environ.get('NABLA_DIST_JOB') != job or at is None:
        return
    try:
        with open(os.path.join(shm_dir(), f'{PREFIX}{job}-{rank}.failed'), 'w') as f:
            f.write(repr(at))
    except OSError:
        pass


def failure_time(job, rank):
    """When a rank saw its failure; None if it could not say (killed outright: likely the cause)."""
    try:
        with open(os.path.join(shm_dir(), f'{PREFIX}{job}-{rank}.failed')) as f:
            return float(f.read())
    except (OSError, ValueError):
        return None


def remove_job_files(job):
    """Removes a job's files that a rank killed before its own clean-up left behind."""
    for path in glob.glob(os.path.join(shm_dir(), f'{PREFIX}{job}-*')):
        try:
            os.unlink(path)
        except OSError:
            pass


class SharedBuffer:
    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
        self.map = None
        self.size = 0
        self.views = {}

    def view(self, n):
        """The first n float32 values of the file as a torch tensor on its memory (grows the mapping)."""
        need = 4 * n
        if need > self.size:
            self._remap(max(need, os.fstat(self.fd).st_size))
        view = self.views.get(n)
        if view is None:
            view = torch.from_numpy(np.frombuffer(self.map, dtype=np.float32, count=n))
            self.views[n] = view
        return view

    def _remap(self, size):
        self.views.clear()
        if self.map is not None:
            try:
                self.map.close()
            except BufferError:
                pass  # a view still lives somewhere: leave the old mapping to the garbage collector
        # Node's write may already have grown the file; growing it further keeps its contents.
        os.ftruncate(self.fd, size)
        self.map = mmap.mmap(self.fd, size)
        self.size = size

    def close(self):
        self.views.clear()
        if self.map is not None:
            try:
                self.map.close()
            except BufferError:
                pass
        os.close(self.fd)
        try:
            os.unlink(self.path)
        except OSError:
            pass
