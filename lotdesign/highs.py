"""One quiet way to make a HiGHS solver, and an LP from a sparse matrix.

Every HiGHS model in lotdesign is built by :func:`new_highs`; :func:`lp_from_csc` fills a
``HighsLp`` from a SciPy column-wise matrix and its bounds. highspy 1.16 writes a licence
banner ("Running HiGHS 1.16.0 ... MIT licence terms") straight to file descriptor 1 the first
time a ``Highs`` is constructed in a process. It is C-level output, so neither
``output_flag=False`` (set only after construction) nor redirecting Python's ``sys.stdout``
stops it, and it lands in the middle of command-line progress, notebook cells and anything
piping ``lotdesign`` output. The factory points fd 1 at the null device round that first
construction only; later constructions print nothing and pay nothing.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import sys
import threading
from typing import Any

import highspy
import numpy as np
from scipy.sparse import csc_matrix

__all__ = ["lp_from_csc", "new_highs"]

_banner_shown = False  # set once the first Highs of this process has been built
_banner_lock = threading.Lock()


def _flush_c_stdio() -> None:
    # The banner may sit in the C library's stdout buffer (fully buffered when fd 1 is a pipe
    # or file); flush it while fd 1 still points at the null device, or it leaks out later.
    with contextlib.suppress(OSError, AttributeError, TypeError):  # no C runtime (Windows)
        ctypes.CDLL(None).fflush(None)


def _construct_silently() -> highspy.Highs:
    """A ``Highs`` built with fd 1 pointed at the null device (the banner discarded)."""
    # Python's own pending output must still reach the real stdout (sys.stdout may be None,
    # closed or replaced by something without fileno; then there is nothing to flush).
    with contextlib.suppress(AttributeError, OSError, ValueError):
        sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no fd 1 (e.g. a windowed interpreter): nothing to print to anyway
        return highspy.Highs()
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, 1)
        finally:
            os.close(devnull)
        try:
            return highspy.Highs()
        finally:
            _flush_c_stdio()
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def new_highs(**options: Any) -> highspy.Highs:
    """A HiGHS solver that prints nothing, with ``options`` set.

    Parameters
    ----------
    **options
        HiGHS options by name (``time_limit=10.0``, ``threads=1``, ...). ``output_flag`` is
        False unless given.

    Returns
    -------
    highspy.Highs

    Raises
    ------
    ValueError
        If HiGHS rejects an option (an unknown name or a value of the wrong type).

    Examples
    --------
    >>> h = new_highs(time_limit=5.0)
    >>> h.getOptionValue("time_limit")[1]  # highspy answers (status, value)
    5.0
    """
    global _banner_shown
    if _banner_shown:
        h = highspy.Highs()
    else:
        with _banner_lock:
            if _banner_shown:
                h = highspy.Highs()
            else:
                h = _construct_silently()
                _banner_shown = True
    for name, value in {"output_flag": False, **options}.items():
        if h.setOptionValue(name, value) == highspy.HighsStatus.kError:
            raise ValueError(f"HiGHS rejected option {name}={value!r}")
    return h


def lp_from_csc(
    matrix: csc_matrix,
    *,
    cost: np.ndarray,
    col_lower: np.ndarray,
    col_upper: np.ndarray,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
) -> highspy.HighsLp:
    """A HiGHS LP with constraint ``matrix`` (rows x columns) and these costs and bounds.

    Parameters
    ----------
    matrix
        The constraint matrix, column-wise (``scipy.sparse.csc_matrix``).
    cost, col_lower, col_upper
        Per column.
    row_lower, row_upper
        Per row (``highspy.kHighsInf`` for no bound).

    Returns
    -------
    highspy.HighsLp
        Continuous; set ``integrality_`` for a MIP.

    Examples
    --------
    >>> a = csc_matrix(np.array([[1.0, 1.0]]))
    >>> lp = lp_from_csc(a, cost=np.array([1.0, 2.0]), col_lower=np.zeros(2),
    ...                  col_upper=np.ones(2), row_lower=np.ones(1), row_upper=np.ones(1))
    >>> h = new_highs()
    >>> _ = h.passModel(lp); _ = h.run()
    >>> h.getInfo().objective_function_value
    1.0
    """
    lp = highspy.HighsLp()
    lp.num_row_, lp.num_col_ = matrix.shape
    lp.col_cost_ = np.asarray(cost, dtype=float)
    lp.col_lower_ = np.asarray(col_lower, dtype=float)
    lp.col_upper_ = np.asarray(col_upper, dtype=float)
    lp.row_lower_ = np.asarray(row_lower, dtype=float)
    lp.row_upper_ = np.asarray(row_upper, dtype=float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    return lp
