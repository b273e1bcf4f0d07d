"""Child processes that do not outlive the process that started them.

A worker of the process pool, or the dashboard's web server, keeps running when its parent is
killed (SIGKILL, a closed terminal) unless told otherwise: on Linux, :func:`die_with_parent`
asks the kernel to send the child SIGTERM when its parent dies (``PR_SET_PDEATHSIG``). Elsewhere
it does nothing, and children end when their work does.
"""

from __future__ import annotations

import _thread
import ctypes
import multiprocessing
import os
import signal
import sys
import threading

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


def pool_context() -> multiprocessing.context.BaseContext:
    """How worker processes start. A parent running one Python thread (the CLI, a script)
    forks: fast, and scripts need no ``if __name__ == "__main__"`` guard. A parent with other
    Python threads (pytest-xdist, a notebook or dashboard server) uses a fork server instead,
    since forking a threaded process can deadlock; the model is preloaded there so workers
    start fast. Threads are counted with ``_thread._count()``, which also sees threads started
    without the threading module (execnet's, in pytest-xdist), and not the native threads of
    numerical libraries, which forking does not disturb."""
    if _other_python_threads() == 0 and "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    os.environ[POOL_PARENT] = str(os.getpid())  # read by forkserver_guard
    context.set_forkserver_preload(["gtmsim.experiments.forkserver_guard", "gtmsim.model.growth"])
    return context


def _other_python_threads() -> int:
    """Python threads running besides the main one, however they were started."""
    count = getattr(_thread, "_count", None)
    return count() if count is not None else threading.active_count() - 1
