"""Child processes that do not outlive the process that started them.

A worker of the process pool, or the dashboard's web server, keeps running when its parent is
killed (SIGKILL, a closed terminal) unless told otherwise: on Linux, :func:`die_with_parent`
asks the kernel to send the child SIGTERM when its parent dies (``PR_SET_PDEATHSIG``). Elsewhere
it does nothing, and children end when their work does.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys

#: Environment variable holding the pid of the process that starts a pool's fork server.
POOL_PARENT = "GTMSIM_POOL_PARENT"
#: prctl option: the signal the calling process gets when its parent dies (linux/prctl.h).
PR_SET_PDEATHSIG = 1


def die_with_parent(parent: int | None = None, how: int = signal.SIGTERM) -> None:
    """Make the calling (child) process receive signal ``how`` (default SIGTERM) when its
    parent dies. ``parent``, the pid the child expects as its parent, closes the race in which
    the parent died before this call: then the child exits at once."""
    if not sys.platform.startswith("linux"):
        return
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(how), 0, 0, 0)
    except (OSError, AttributeError):  # no prctl: nothing to do
        return
    if parent is not None and os.getppid() != parent:
        os._exit(1)
