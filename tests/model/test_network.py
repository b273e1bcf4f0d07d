"""The word-of-mouth network, :func:`gtmsim.model.network.build_ties`.

Tested: the matrix is CSC, its pattern is symmetric with no self ties, rows with ties sum to
1 (each neighbour holds 1/degree) and rows without ties are empty; the mean degree and the
share of within-segment ties match their expectations (computed exactly from the sampling
scheme, self ties and duplicate ties included); extreme homophily keeps every tie inside its
segment; no ties, empty segments and one-member segments work; the same seed gives the same
matrix.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import sparse

from gtmsim.model.network import build_ties


def _segments(n: int, shares: list[float], seed: int = 999) -> np.ndarray:
    """A random segment label per prospect (int16, as in the population)."""
    return np.random.default_rng(seed).choice(len(shares), size=n, p=shares).astype(np.int16)


def _pattern(ties: sparse.spmatrix) -> sparse.csr_matrix:
    """The adjacency pattern: 1 where a tie exists."""
    adj = sparse.csr_matrix(ties, copy=True)
    adj.data = np.ones_like(adj.data)
    return adj


def _no_tie_probability(q: float, mean_ties: float) -> float:
    """P(no tie between i and j) when each of them starts ``mean_ties / 2`` ties (rounded
    stochastically) and each tie lands on the other with probability ``q``, independently."""
    half = mean_ties / 2
    low = np.floor(half)
    frac = half - low
    one_side = (1 - frac) * (1 - q) ** low + frac * (1 - q) ** (low + 1)
    return float(one_side**2)


def _expected_edges(
    segment: np.ndarray, mean_ties: float, same_share: float
) -> tuple[float, float]:
    """Exact expected number of distinct undirected ties (within segment, across segments).

    A tie from i lands on a given j with probability ``same_share / n_s + (1 - same_share) /
    n`` if j is in i's segment s (self included, then dropped), ``(1 - same_share) / n``
    otherwise; a pair is tied if any of the ties of either lands on the other.
    """
    n = len(segment)
    within = across = 0.0
    for n_s in np.bincount(segment):
        if n_s == 0:
            continue
        q_same = same_share / n_s + (1 - same_share) / n
        within += n_s * (n_s - 1) / 2 * (1 - _no_tie_probability(q_same, mean_ties))
        q_other = (1 - same_share) / n
        across += n_s * (n - n_s) / 2 * (1 - _no_tie_probability(q_other, mean_ties))
    return within, across


def test_structure_symmetric_no_self_ties_row_normalised() -> None:
    # mean_ties = 1: half the prospects start no tie, so many have none at all.
    segment = _segments(3_000, [0.6, 0.3, 0.1])
    ties = build_ties(segment, 1.0, 0.7, np.random.default_rng(1))
    assert isinstance(ties, sparse.csc_matrix)
    assert ties.shape == (3_000, 3_000)
    adj = _pattern(ties)
    assert (adj != adj.T).nnz == 0  # i ties j <=> j ties i
    assert np.all(ties.diagonal() == 0)
    assert np.all(ties.data > 0)
    degree = np.diff(adj.indptr)
    row_sums = np.asarray(ties.sum(axis=1)).ravel()
    has_ties = degree > 0
    assert 0 < has_ties.sum() < len(segment)  # both kinds of row occur
    np.testing.assert_allclose(row_sums[has_ties], 1.0, rtol=1e-12)
    assert np.all(row_sums[~has_ties] == 0)
    # Each entry of row i is 1/degree_i, so ``ties @ x`` is the neighbours' mean of x.
    rows = sparse.csr_matrix(ties)
    np.testing.assert_allclose(rows.data, np.repeat(1.0 / degree[has_ties], degree[has_ties]))
    x = np.random.default_rng(2).random(len(segment))
    i = int(np.flatnonzero(degree >= 2)[0])
    np.testing.assert_allclose(
        (ties @ x)[i], x[rows.indices[rows.indptr[i] : rows.indptr[i + 1]]].mean()
    )


@pytest.mark.parametrize("mean_ties", [7.0, 8.0])
def test_mean_degree_matches_expectation_in_a_large_market(mean_ties: float) -> None:
    segment = _segments(20_000, [0.6, 0.3, 0.1])
    n = len(segment)
    ties = build_ties(segment, mean_ties, 0.7, np.random.default_rng(3))
    degree = np.diff(_pattern(ties).indptr)
    within, across = _expected_edges(segment, mean_ties, 0.7)
    expected = 2 * (within + across) / n
    # Self and duplicate ties cost about 0.05% of the ties here.
    assert mean_ties * 0.999 < expected < mean_ties
    # The mean degree is 2 * (ties started - ties lost) / n. Ties started is 3n + Binomial(n,
    # 0.5) for mean_ties = 7 (variance n/4), exactly 4n for 8; ties lost (self and duplicate
    # ties) are many rare, nearly independent events, so about Poisson (variance = mean).
    # Tolerance: 4 sigma of the sum. |z| < 1.9 on seeds 0-11 for both values of mean_ties.
    half = mean_ties / 2
    frac = half - np.floor(half)
    lost = n * half - (within + across)
    sigma = 2 * np.sqrt(n * frac * (1 - frac) + lost) / n
    assert abs(degree.mean() - expected) < 4 * sigma


def test_mean_degree_counts_self_and_duplicate_ties_once_in_a_small_market() -> None:
    # 60 prospects with 9 ties each on average: many ties are self or duplicate ties, so the
    # mean degree is well below 9 (7.53), and the exact expectation must account for them.
    segment = np.repeat(np.arange(3), [40, 15, 5]).astype(np.int16)
    rng = np.random.default_rng(4)
    means = np.array(
        [np.diff(build_ties(segment, 9.0, 0.8, rng).indptr).mean() for _ in range(400)]
    )
    within, across = _expected_edges(segment, 9.0, 0.8)
    expected = 2 * (within + across) / len(segment)
    assert expected < 7.6
    # Tolerance: 4 standard errors of the mean of 400 independent graphs (the sample standard
    # deviation, about 0.19, over sqrt(400)). |z| < 1.3 on seeds 0-11.
    assert abs(means.mean() - expected) < 4 * means.std(ddof=1) / np.sqrt(len(means))


def test_share_of_within_segment_ties_matches_homophily() -> None:
    segment = _segments(20_000, [0.6, 0.3, 0.1])
    same_share = 0.7
    ties = build_ties(segment, 8.0, same_share, np.random.default_rng(5))
    upper = sparse.triu(_pattern(ties), k=1).tocoo()  # each tie once
    observed = np.mean(segment[upper.row] == segment[upper.col])
    # A tie goes to its own segment by homophily, or by chance when it goes to a random
    # prospect (probability = the segment's share of the market).
    shares = np.bincount(segment) / len(segment)
    expected = same_share + (1 - same_share) * np.sum(shares**2)
    # Self and duplicate ties are a little more frequent inside segments; the exact share
    # moves by 0.00007, a twentieth of the standard error.
    within, across = _expected_edges(segment, 8.0, same_share)
    assert abs(within / (within + across) - expected) < 2e-4
    # Tolerance: each tie is within its segment independently with probability `expected`,
    # so the share is a binomial proportion over the ties: 4 sigma. |z| < 1.4 on seeds 0-11
    # (and < 2.0 without homophily, below).
    sigma = np.sqrt(expected * (1 - expected) / upper.nnz)
    assert abs(observed - expected) < 4 * sigma
    # Without homophily, only the chance share is left (0.46 here, far from 0.84).
    upper0 = sparse.triu(_pattern(build_ties(segment, 8.0, 0.0, np.random.default_rng(5))), 1)
    upper0 = upper0.tocoo()
    observed0 = np.mean(segment[upper0.row] == segment[upper0.col])
    chance = np.sum(shares**2)
    assert abs(observed0 - chance) < 4 * np.sqrt(chance * (1 - chance) / upper0.nnz)


def test_full_homophily_keeps_every_tie_inside_its_segment() -> None:
    segment = _segments(5_000, [0.5, 0.3, 0.2])
    coo = build_ties(segment, 6.0, 1.0, np.random.default_rng(6)).tocoo()
    assert coo.nnz > 0
    assert np.all(segment[coo.row] == segment[coo.col])


def test_no_ties_gives_an_empty_matrix() -> None:
    segment = _segments(1_000, [0.6, 0.4])
    ties = build_ties(segment, 0.0, 0.7, np.random.default_rng(7))
    assert isinstance(ties, sparse.csc_matrix)
    assert ties.shape == (1_000, 1_000)
    assert ties.nnz == 0
    assert np.all(ties @ np.ones(1_000) == 0)


def test_empty_and_one_member_segments() -> None:
    # Segment 1 has no members; segment 3 has one, whose own-segment ties can only be self
    # ties: with full homophily it has no tie at all, and nobody else ties to it.
    segment = np.array([0] * 200 + [2] * 100 + [3], dtype=np.int16)
    ties = build_ties(segment, 4.0, 1.0, np.random.default_rng(8))
    assert ties.shape == (301, 301)
    adj = _pattern(ties)
    assert adj[300].nnz == 0 and adj[:, 300].nnz == 0
    coo = adj.tocoo()
    assert np.all(segment[coo.row] == segment[coo.col])
    assert adj[:200].nnz > 0 and adj[200:300].nnz > 0
    # With partial homophily the lone member gets random ties and the rest still works.
    ties = build_ties(segment, 4.0, 0.5, np.random.default_rng(8))
    row_sums = np.asarray(ties.sum(axis=1)).ravel()
    np.testing.assert_allclose(row_sums[np.diff(_pattern(ties).indptr) > 0], 1.0)


def test_same_seed_same_matrix_and_another_seed_differs() -> None:
    segment = _segments(2_000, [0.6, 0.3, 0.1])
    a = build_ties(segment, 8.0, 0.7, np.random.default_rng(9))
    b = build_ties(segment, 8.0, 0.7, np.random.default_rng(9))
    c = build_ties(segment, 8.0, 0.7, np.random.default_rng(10))
    for name in ("indptr", "indices", "data"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name))
    assert (a != c).nnz > 0
