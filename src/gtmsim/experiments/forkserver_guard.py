"""Imported by the process pool's fork server only (as a preload): the fork server then dies
with the process that started it, and so do the workers it forks (see
:mod:`gtmsim.experiments.processes`). Never import it anywhere else: it ties the importing
process to its parent. (The kernel sends the signal when the *thread* that started the fork
server ends: gtmsim starts pools from the main thread.)"""

import os
import signal

from gtmsim.experiments.processes import POOL_PARENT, die_with_parent

# SIGKILL: the fork server handles other signals itself; it holds nothing worth cleaning up.
# The pid its starter recorded closes the race in which the starter died before this line.
_parent = os.environ.get(POOL_PARENT)
die_with_parent(int(_parent) if _parent else None, how=signal.SIGKILL)

# Every worker forked from here dies with the fork server, from its first instruction on: set in
# the child right after the fork (not in the pool's initializer, which may run after the fork
# server is gone, leaving a worker that finishes its task and blocks forever writing the result
# to a pipe nobody reads), and checked against this pid, so a worker forked just before the fork
# server died exits at once.
_server = os.getpid()
os.register_at_fork(after_in_child=lambda: die_with_parent(_server))
