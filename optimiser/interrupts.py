"""Ctrl-C that is never lost on the way to the outputs.

Python turns SIGINT into ``KeyboardInterrupt`` in whichever frame runs next. When that frame is a
finaliser or a weakref callback (the garbage collector runs them at any allocation), Python prints
"Exception ignored in ..." and drops the exception, and the run would go on to write its outputs.
While :func:`remembered` is active, a SIGINT is also recorded; such a dropped interrupt is not
printed, and :func:`raise_if_interrupted` raises it again where it counts: before an output folder
is renamed into place (a solve under way then finishes first). Code that a ``KeyboardInterrupt``
would leave stuck runs :func:`deferred`: xarray's netCDF writer takes a lock that an interrupt
raised between its acquire and its ``try`` never releases, and the writer's own clean-up then
waits on it forever. Only the standard library is imported.
"""

from __future__ import annotations

import signal
import sys
import threading
from contextlib import contextmanager

_pending = False
_deferring = 0


def _on_sigint(signum, frame) -> None:
    global _pending
    _pending = True
    if not _deferring:
        raise KeyboardInterrupt


def _unraisable(previous):
    def hook(unraisable) -> None:
        if not (_pending and issubclass(unraisable.exc_type, KeyboardInterrupt)):
            previous(unraisable)  # a dropped interrupt is raised again by raise_if_interrupted
    return hook


def _from_interrupt(exc: BaseException) -> bool:
    """Whether ``exc`` was raised while a ``KeyboardInterrupt`` unwound (its cause or context chain)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def raise_if_interrupted() -> None:
    """Raise ``KeyboardInterrupt`` if a SIGINT arrived while :func:`remembered` was active."""
    if _pending:
        raise KeyboardInterrupt


@contextmanager
def deferred():
    """Within the block a SIGINT is only recorded; it is raised when the block ends (see module doc).
    Without :func:`remembered` active, SIGINT is Python's own and raises at once."""
    global _deferring
    _deferring += 1
    try:
        yield
    finally:
        _deferring -= 1
    raise_if_interrupted()


@contextmanager
def remembered():
    """Within the block, record every SIGINT (see module doc); an error that leaves the block after one,
    or that a ``KeyboardInterrupt`` caused (Python wraps one raised in ``__set_name__`` in a
    ``RuntimeError``), is raised as ``KeyboardInterrupt``. Records nothing outside the main thread or
    where the program set its own SIGINT handler."""
    global _pending
    record = threading.current_thread() is threading.main_thread() and (
        signal.getsignal(signal.SIGINT) is signal.default_int_handler)
    previous_hook = sys.unraisablehook
    if record:
        _pending = False
        signal.signal(signal.SIGINT, _on_sigint)
        sys.unraisablehook = _unraisable(previous_hook)
    try:
        yield
    except Exception as exc:  # raised while the interrupt unwound (a library may turn it into its own error)
        if (record and _pending) or _from_interrupt(exc):
            raise KeyboardInterrupt from exc
        raise
    finally:
        if record:
            signal.signal(signal.SIGINT, signal.default_int_handler)
            sys.unraisablehook = previous_hook
            _pending = False
