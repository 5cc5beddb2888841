"""``torch.multinomial`` for a 1-d float64 weight vector, bit for bit as PyTorch 2.13 on CPU.

Lives here (for ``WeightedRandomSampler``) because ``numtorch.multinomial`` is not yet
PyTorch-exact; it could move there as is. The algorithm, from ATen:

* without replacement, or for a single sample: ``q = w / E`` with ``E = -log1p(-u)``
  (``exponential_``, one float64 uniform per category, in order), then ``argmax(q)`` for one
  sample or ``topk(q, k)`` (largest, sorted) for several;
* with replacement: the cumulative sum normalised by its total (last entry forced to 1),
  and per sample one float64 uniform located by binary search (first slot ``>= u``).

``topk`` orders equal values (in practice: zero weights, once the non-zero ones are used up)
the way libstdc++'s heap / ``nth_element`` / ``sort`` happen to leave them, so for ties we
replay those algorithms step by step (GCC's implementation, with PyTorch's comparator).
"""

from __future__ import annotations

import math

import numpy as np

import numtorch
from numtorch.random import Generator

__all__ = ["multinomial_1d"]

# Largest category count torch.multinomial accepts (indices pass through float32).
_MAX_CATEGORIES = 1 << 24
# libstdc++'s introsort hands ranges of at most this many elements to insertion sort.
_S_THRESHOLD = 16


def multinomial_1d(weights: np.ndarray, num_samples: int, replacement: bool,
                   generator: Generator | None = None) -> list[int]:
    """Indices drawn from ``weights`` (1-d float64), with PyTorch's draws, order and errors."""
    n_categories = weights.shape[-1]
    if num_samples <= 0:
        raise RuntimeError("cannot sample n_sample <= 0 samples")
    if not replacement and num_samples > n_categories:
        raise RuntimeError("cannot sample n_sample > prob_dist.size(-1) samples without replacement")
    if n_categories > _MAX_CATEGORIES:
        raise RuntimeError("number of categories cannot exceed 2^24")
    if not replacement or num_samples == 1:
        # max() < inf is False for NaN too, as in PyTorch's check.
        if n_categories == 0 or not (weights.max() < math.inf and weights.min() >= 0):
            raise RuntimeError("probability tensor contains either `inf`, `nan` or element < 0")
        if weights.sum() == 0:
            raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
        u = numtorch.rand(n_categories, dtype=numtorch.float64, generator=generator).numpy()
        # math.log1p is the C library's, like PyTorch's; NumPy's may differ in the last bit.
        expo = np.fromiter(map(math.log1p, (-u).tolist()), np.float64, n_categories)
        np.negative(expo, out=expo)
        with np.errstate(divide="ignore", invalid="ignore"):
            q = weights / expo
        if num_samples == 1:
            return [int(np.argmax(q))]
        return _topk_largest(q, num_samples)

    for w in weights.tolist():  # the first offending entry decides the message, as in PyTorch's loop
        if not w >= 0:
            raise RuntimeError("invalid multinomial distribution (encountering probability entry < 0)")
        if not math.isfinite(w):
            raise RuntimeError("invalid multinomial distribution (encountering probability entry = infinity or NaN)")
    cum = np.cumsum(weights)  # sequential float64 sums, like PyTorch's loop
    total = cum[-1]
    if not total > 0:
        raise RuntimeError("invalid multinomial distribution (sum of probabilities <= 0)")
    cum /= total
    cum[-1] = 1.0
    u = numtorch.rand(num_samples, dtype=numtorch.float64, generator=generator).numpy()
    return np.searchsorted(cum, u, side="left").tolist()


# ---- topk(largest=True, sorted=True), as ATen's topk_impl_loop runs it ------------------------

def _topk_largest(q: np.ndarray, k: int) -> list[int]:
    """Indices of the ``k`` largest values of ``q`` in PyTorch's order (q has no NaN)."""
    order = np.argsort(-q, kind="stable")
    top = q[order[: k + 1]]
    if np.unique(top).size == top.size:
        # No ties among the top k nor at the cut: every correct algorithm agrees.
        return order[:k].tolist()
    items = list(zip(q.tolist(), range(q.size)))
    n = len(items)
    if k * 64 <= n:
        # std::partial_sort(begin, begin + k, end): heap-select, then sort the heap.
        _heap_select(items, 0, k, n)
        _sort_heap(items, 0, k)
        return [i for _, i in items[:k]]
    # std::nth_element at k - 1, then std::sort of the k - 1 before it.
    _nth_element(items, 0, k - 1, n)
    _sort(items, 0, k - 1)
    return [i for _, i in items[:k]]


def _comp(x, y) -> bool:
    """PyTorch's TopKComparator<largest>: NaN first, then greater values first."""
    return (math.isnan(x[0]) and not math.isnan(y[0])) or x[0] > y[0]


def _lg(n: int) -> int:
    return n.bit_length() - 1


# libstdc++ heap primitives (bits/stl_heap.h) on a[first:last].

def _push_heap(a, first, hole, top, value) -> None:
    parent = (hole - 1) // 2
    while hole > top and _comp(a[first + parent], value):
        a[first + hole] = a[first + parent]
        hole = parent
        parent = (hole - 1) // 2
    a[first + hole] = value


def _adjust_heap(a, first, hole, length, value) -> None:
    top = hole
    child = hole
    while child < (length - 1) // 2:
        child = 2 * (child + 1)
        if _comp(a[first + child], a[first + child - 1]):
            child -= 1
        a[first + hole] = a[first + child]
        hole = child
    if (length & 1) == 0 and child == (length - 2) // 2:
        child = 2 * (child + 1)
        a[first + hole] = a[first + child - 1]
        hole = child - 1
    _push_heap(a, first, hole, top, value)


def _make_heap(a, first, last) -> None:
    length = last - first
    if length < 2:
        return
    parent = (length - 2) // 2
    while True:
        _adjust_heap(a, first, parent, length, a[first + parent])
        if parent == 0:
            return
        parent -= 1


def _pop_heap_to(a, first, last, result) -> None:
    value = a[result]
    a[result] = a[first]
    _adjust_heap(a, first, 0, last - first, value)


def _sort_heap(a, first, last) -> None:
    while last - first > 1:
        last -= 1
        _pop_heap_to(a, first, last, last)


def _heap_select(a, first, middle, last) -> None:
    _make_heap(a, first, middle)
    for i in range(middle, last):
        if _comp(a[i], a[first]):
            _pop_heap_to(a, first, middle, i)


# libstdc++ sorting internals (bits/stl_algo.h).

def _move_median_to_first(a, result, x, y, z) -> None:
    if _comp(a[x], a[y]):
        if _comp(a[y], a[z]):
            a[result], a[y] = a[y], a[result]
        elif _comp(a[x], a[z]):
            a[result], a[z] = a[z], a[result]
        else:
            a[result], a[x] = a[x], a[result]
    elif _comp(a[x], a[z]):
        a[result], a[x] = a[x], a[result]
    elif _comp(a[y], a[z]):
        a[result], a[z] = a[z], a[result]
    else:
        a[result], a[y] = a[y], a[result]


def _unguarded_partition(a, first, last, pivot) -> int:
    while True:
        while _comp(a[first], a[pivot]):
            first += 1
        last -= 1
        while _comp(a[pivot], a[last]):
            last -= 1
        if not first < last:
            return first
        a[first], a[last] = a[last], a[first]
        first += 1


def _unguarded_partition_pivot(a, first, last) -> int:
    mid = first + (last - first) // 2
    _move_median_to_first(a, first, first + 1, mid, last - 1)
    return _unguarded_partition(a, first + 1, last, first)


def _unguarded_linear_insert(a, last) -> None:
    val = a[last]
    nxt = last - 1
    while _comp(val, a[nxt]):
        a[last] = a[nxt]
        last = nxt
        nxt -= 1
    a[last] = val


def _insertion_sort(a, first, last) -> None:
    if first == last:
        return
    for i in range(first + 1, last):
        if _comp(a[i], a[first]):
            val = a[i]
            a[first + 1: i + 1] = a[first: i]
            a[first] = val
        else:
            _unguarded_linear_insert(a, i)


def _nth_element(a, first, nth, last) -> None:
    if first == last or nth == last:
        return
    depth_limit = _lg(last - first) * 2
    while last - first > 3:
        if depth_limit == 0:
            _heap_select(a, first, nth + 1, last)
            a[first], a[nth] = a[nth], a[first]
            return
        depth_limit -= 1
        cut = _unguarded_partition_pivot(a, first, last)
        if cut <= nth:
            first = cut
        else:
            last = cut
    _insertion_sort(a, first, last)


def _introsort_loop(a, first, last, depth_limit) -> None:
    while last - first > _S_THRESHOLD:
        if depth_limit == 0:
            _heap_select(a, first, last, last)  # std::__partial_sort(first, last, last)
            _sort_heap(a, first, last)
            return
        depth_limit -= 1
        cut = _unguarded_partition_pivot(a, first, last)
        _introsort_loop(a, cut, last, depth_limit)
        last = cut


def _sort(a, first, last) -> None:
    if first == last:
        return
    _introsort_loop(a, first, last, _lg(last - first) * 2)
    if last - first > _S_THRESHOLD:
        _insertion_sort(a, first, first + _S_THRESHOLD)
        for i in range(first + _S_THRESHOLD, last):
            _unguarded_linear_insert(a, i)
    else:
        _insertion_sort(a, first, last)
