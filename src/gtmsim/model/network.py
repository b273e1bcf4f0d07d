"""The word-of-mouth network: who talks to whom, as a sparse matrix over the population."""

from __future__ import annotations

import numpy as np
from scipy import sparse


def build_ties(
    segment: np.ndarray, mean_ties: float, same_segment_share: float, rng: np.random.Generator
) -> sparse.csc_matrix:
    """Random social network with homophily, as a row-normalised sparse matrix (CSC).

    Each prospect starts ``mean_ties / 2`` ties (rounded stochastically); each tie goes to a
    random member of its own segment with probability ``same_segment_share``, otherwise to
    a random prospect. Ties are symmetric, so the mean degree is ``mean_ties``. Row ``i``
    holds ``1/degree_i`` for each neighbour, so ``ties @ x`` is the neighbours' mean of ``x``.
    Stored by column, so that word of mouth can read only the columns of those who talk.
    """
    n = len(segment)
    half = mean_ties / 2
    starts = np.floor(half).astype(int) + (rng.random(n) < half - np.floor(half))
    src = np.repeat(np.arange(n, dtype=np.int32), starts)
    m = len(src)
    by_segment = [np.flatnonzero(segment == s) for s in range(int(segment.max()) + 1)]
    dst = rng.integers(0, n, size=m)
    same = rng.random(m) < same_segment_share
    src_seg = segment[src]
    for s, members in enumerate(by_segment):
        pick = same & (src_seg == s)
        if len(members) == 0 or not pick.any():
            continue
        dst[pick] = members[rng.integers(0, len(members), size=int(pick.sum()))]
    del same, src_seg
    dst = dst.astype(np.int32)
    keep = dst != src
    rows = np.concatenate([src[keep], dst[keep]])
    cols = np.concatenate([dst[keep], src[keep]])
    del src, dst, keep
    # Only the structure matters (duplicate ties count once): int8 data, summed, then ignored.
    adj = sparse.csr_matrix((np.ones(len(rows), dtype=np.int8), (rows, cols)), shape=(n, n))
    del rows, cols
    adj.sum_duplicates()  # canonical: one entry per tie, sorted indices
    degree = np.diff(adj.indptr).astype(float)
    inv = np.divide(1.0, degree, out=np.zeros(n), where=degree > 0)
    # The adjacency is symmetric, so column j of diag(inv) @ adj lists j's neighbours i in
    # ascending order, each holding inv[i]: adj's CSR arrays are the CSC arrays of the result.
    return sparse.csc_matrix((inv[adj.indices], adj.indices, adj.indptr), shape=(n, n))
