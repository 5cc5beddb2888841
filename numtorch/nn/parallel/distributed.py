"""``torch.nn.parallel.DistributedDataParallel`` on ``numtorch.distributed`` (MPI).

Construction checks, in one exchange, that every rank holds the same parameters and would average
them in the same MPI messages, then copies rank 0's parameters and buffers to all ranks. Each forward
arms the reducer; during backward a post-hook on every parameter's ``AccumulateGrad`` node (it runs
after the gradient is added into ``.grad``, so gradients accumulated under ``no_sync()`` are included)
marks the parameter ready. Parameters are grouped into buckets, in reverse registration order (roughly
the order backward produces their gradients); a full bucket's gradients are divided by the world size
and started as non-blocking MPI allreduces while backward goes on - a large gradient in place in its
own ``.grad``, the small ones packed into one flat buffer. When the last bucket starts, all are waited
for and the packed averages copied back into ``.grad``, before ``backward()`` returns.

Buckets start in index order on every rank and their messages are fixed at construction, so the
ranks' allreduces always match: unlike ``dist.all_reduce``, the steps exchange no shapes first (that
round trip per bucket per step would cost more than averaging a small model's gradients).
"""

from __future__ import annotations

import warnings
from contextlib import contextmanager

import numpy as np

from ...autograd import grad_mode as _gm
from ...autograd.graph import AccumulateGrad, accumulator_of
from ...tensor import Tensor
from ..modules.module import Module

_DEFAULT_FIRST_BUCKET_BYTES = 1024 * 1024  # as torch.distributed._DEFAULT_FIRST_BUCKET_BYTES
_DEFAULT_BUCKET_CAP_MB = 25
# A gradient at least this large is averaged in place in its .grad, as a message of its own; smaller ones
# share their bucket's flat buffer (see _Bucket).
_DIRECT_MIN_BYTES = 64 * 1024
# A flat buffer up to this size is filled by plain copies and scaled once; a larger one by scaling each
# gradient on its way in (see _Reducer._launch).
_COPY_THEN_SCALE_MAX_BYTES = 64 * 1024

_UNUSED_MSG = (
    "Expected to have finished reduction in the prior iteration before starting a new one. This error indicates "
    "that your module has parameters that were not used in producing loss. You can enable unused parameter "
    "detection by passing the keyword argument `find_unused_parameters=True` to "
    "`torch.nn.parallel.DistributedDataParallel`, and by \nmaking sure all `forward` function outputs participate "
    "in calculating loss. \nIf you already have done the above, then the distributed data parallel module wasn't "
    "able to locate the output tensors in the return value of your module's `forward` function. Please include the "
    "loss function and the structure of the return value of `forward` of your module when reporting this issue "
    "(e.g. list, dict, iterable).\nParameter indices which did not receive grad for rank {rank}: {indices}\n In "
    "addition, you can set the environment variable TORCH_DISTRIBUTED_DEBUG to either INFO or DETAIL to print out "
    "information about which particular parameters did not receive gradient on this rank as part of this error"
)


def _dist():
    from ... import distributed

    return distributed


class _Bucket:
    """Parameters whose gradients are averaged together, as one unit of the launch order.

    A bucket travels as one or more MPI messages, fixed at construction (so identical on every rank):
    each *direct* member (a large gradient) is averaged in place in its own ``.grad`` array, and the
    *packed* members (small gradients) are copied into one flat buffer that is averaged in one message.
    Copying a large gradient into a shared buffer and back costs two passes over memory (for the W4 MLP's
    800 KiB weight gradient some 30 us, against ~115 us for its allreduce on 2 ranks), while one more
    message costs a few microseconds; for a small gradient it is the other way round.
    """

    __slots__ = ("members", "numel", "dtype", "pending", "flat", "packed", "direct", "reqs", "bufs")

    def __init__(self, members: list, dtype: np.dtype, direct_min_bytes: int | None):
        self.numel = sum(m[3] for m in members)
        # MPI has no float16 sum: such buckets travel as float32.
        self.dtype = np.dtype(np.float32) if dtype == np.float16 else np.dtype(dtype)
        same = self.dtype == dtype        # direct needs a gradient MPI can sum as it is
        direct = [m for m in members
                  if same and direct_min_bytes is not None and m[3] * self.dtype.itemsize >= direct_min_bytes]
        # direct: (index, param, spare) - spare is a buffer of the gradient's shape, made the first time the
        # gradient cannot be averaged in place (None, non-contiguous, read-only, another dtype).
        self.direct = [[i, p, None] for i, p, _, _ in direct]
        self.flat = np.empty(self.numel - sum(m[3] for m in direct), self.dtype)
        self.packed = []                  # (index, param, offset in flat, numel, slot: flat's piece, param-shaped)
        off = 0
        direct_ids = {m[0] for m in direct}
        placed = []
        for i, p, _, n in members:
            if i in direct_ids:
                placed.append((i, p, -1, n))
                continue
            self.packed.append((i, p, off, n, self.flat[off:off + n].reshape(p._data.shape)))
            placed.append((i, p, off, n))
            off += n
        self.members = placed             # (reducer index, param, offset in flat or -1 if direct, numel)
        self.pending = len(members)
        self.reqs: list = []
        self.bufs: list = []              # per direct member: the array the allreduce wrote into

    def layout(self) -> tuple:
        """What every rank must agree on: dtype, members in order, and which travel in place."""
        return (self.dtype.str, tuple((m[0], m[3]) for m in self.members), tuple(d[0] for d in self.direct))


def _assign_buckets(params: list, caps: list[int], direct_min_bytes: int | None) -> list[_Bucket]:
    """PyTorch's bucket assignment: reverse parameter order, one bucket stream per dtype, sizes capped."""
    open_: dict = {}     # dtype -> (members, bytes, cap index)
    done: list = []
    order = list(range(len(params)))[::-1]
    for i in order:
        p = params[i]
        dt = p._data.dtype
        members, nbytes, k = open_.get(dt, ([], 0, 0))
        members.append((i, p, 0, p._data.size))
        nbytes += p._data.nbytes
        if nbytes >= caps[min(k, len(caps) - 1)]:
            done.append((members, dt))
            open_[dt] = ([], 0, k + 1)
        else:
            open_[dt] = (members, nbytes, k)
    for dt, (members, _, _) in open_.items():
        if members:
            done.append((members, dt))
    # Launch order: by the first gradient each bucket holds (highest parameter index first).
    done.sort(key=lambda md: -md[0][0][0])
    return [_Bucket(members, dt, direct_min_bytes) for members, dt in done]


class _Reducer:
    """Averages gradients across ranks, bucket by bucket, as backward produces them.

    The message layout (buckets, their members, which gradients travel in place) is fixed here and
    agreed across ranks once, by ``DistributedDataParallel``'s construction. Nothing a step does can
    change it - a missing gradient travels as zeros, one that cannot be averaged in place travels in a
    spare buffer of the same size - so the steps start their allreduces without the shape agreement
    ``numtorch.distributed``'s collectives make before every call.
    """

    def __init__(self, params: list, pg, caps: list[int], find_unused: bool, as_view: bool = False):
        self.params = params
        self.as_view = as_view
        self.pg = pg
        self.find_unused = find_unused
        # gradient_as_bucket_view: every gradient becomes a view of its bucket's flat buffer, so none is direct.
        self.buckets = _assign_buckets(params, caps, None if as_view else _DIRECT_MIN_BYTES)
        self.bucket_of = [None] * len(params)
        for b in self.buckets:
            for m in b.members:
                self.bucket_of[m[0]] = b
        from ...distributed import _runtime as rt

        self.MPI, self.wait = rt._State.MPI, rt.wait
        n = pg.size()
        # Dividing by a power of two is exact, and multiplying by its inverse gives the same bits, faster.
        self.scale_op, self.scale = (np.multiply, 1.0 / n) if n & (n - 1) == 0 else (np.divide, float(n))
        self.expect = False         # armed by a forward that will sync
        self.started = False        # a hook fired this iteration
        self.finished = True
        self.ready = [False] * len(params)
        self.next_bucket = 0
        self.inflight: list[_Bucket] = []
        self.reqs: list = []        # every request in flight, for the progress tests during backward
        self.unused: list[int] = []
        self.used = None
        self.used_req = None

    def layout(self) -> tuple:
        """The message layout every rank's reducer must share (see DistributedDataParallel's construction)."""
        return (self.find_unused, tuple(b.layout() for b in self.buckets))

    # -- iteration bookkeeping -------------------------------------------------------------------------
    def prepare_for_forward(self) -> None:
        if self.started and not self.finished:
            missing = " ".join(str(i) for i, r in enumerate(self.ready) if not r)
            raise RuntimeError(_UNUSED_MSG.format(rank=_dist().get_rank(), indices=missing))

    def prepare_for_backward(self, outputs) -> None:
        self.expect, self.started, self.finished = True, False, False
        self.ready = [False] * len(self.params)
        self.next_bucket = 0
        for b in self.buckets:
            b.pending = len(b.members)
        self.unused = []
        if self.find_unused:
            reached = _reached_leaves(outputs)
            self.unused = [i for i, p in enumerate(self.params) if id(p) not in reached]

    # -- hooks -----------------------------------------------------------------------------------------
    def hook(self, i: int) -> None:
        """A parameter's gradient has been accumulated into ``.grad``."""
        if not self.expect or self.ready[i]:
            return
        if not self.started:
            self.started = True
            if self.find_unused:
                MPI = self.MPI
                # Which parameters got a gradient on some rank: those keep .grad=None nowhere.
                self.used = np.ones(len(self.params), np.int32)
                self.used[self.unused] = 0
                self.used_req = self.pg._comm.Iallreduce(MPI.IN_PLACE, self.used, MPI.MAX)
                for j in self.unused:
                    if j != i:
                        self._mark(j)
        self._mark(i)

    def _mark(self, i: int) -> None:
        if self.ready[i]:
            return
        self.ready[i] = True
        b = self.bucket_of[i]
        b.pending -= 1
        if b.pending:
            if self.reqs:
                # MPI moves data only inside MPI calls: a cheap test lets started buckets progress.
                self.MPI.Request.Testall(self.reqs)
            return
        buckets = self.buckets
        while self.next_bucket < len(buckets) and buckets[self.next_bucket].pending == 0:
            self._launch(buckets[self.next_bucket])
            self.next_bucket += 1
        if self.next_bucket == len(buckets):
            self._finish()

    def _launch(self, b: _Bucket) -> None:
        """Scale the bucket's gradients by 1/world size and start their allreduces (SUM).

        Dividing first, as PyTorch's default comm hook does, keeps low precisions from overflowing. A large
        gradient is divided where it lies; packed ones are divided on their way into the flat buffer, or
        (small ones) copied and divided together.
        """
        MPI = self.MPI
        comm, scale_op, scale, dt = self.pg._comm, self.scale_op, self.scale, b.dtype
        reqs, bufs = b.reqs, b.bufs
        for d in b.direct:
            g = d[1]._grad
            a = None if g is None else g._data
            if a is not None and a.dtype == dt and a.flags.c_contiguous and a.flags.writeable and g._base is None:
                buf = a         # averaged where it lies: no copy in, no copy out
                scale_op(a, scale, out=a)
            else:
                buf = d[2]
                if buf is None:
                    buf = d[2] = np.empty(d[1]._data.shape, dt)
                if a is None:
                    buf.fill(0)
                else:
                    scale_op(a, scale, out=buf, dtype=dt)
            bufs.append(buf)
            reqs.append(comm.Iallreduce(MPI.IN_PLACE, buf, MPI.SUM))
        if b.packed:
            flat = b.flat
            if flat.nbytes <= _COPY_THEN_SCALE_MAX_BYTES:
                # Small gradients: the cost is per call, so copy each (the cheapest call) and scale once.
                for _, p, _, _, slot in b.packed:
                    g = p._grad
                    if g is None:
                        slot.fill(0)
                    else:
                        slot[...] = g._data
                scale_op(flat, scale, out=flat)
            else:
                # Large ones: the cost is memory traffic, so scale on the way in (one pass, not two).
                for _, p, _, _, slot in b.packed:
                    g = p._grad
                    if g is None:
                        slot.fill(0)
                    elif g._data.dtype == dt:
                        # A bucket-view gradient is the slot itself: scaling it in place is the same call.
                        scale_op(g._data, scale, out=slot)
                    else:
                        scale_op(g._data, scale, out=slot, dtype=dt)
            reqs.append(comm.Iallreduce(MPI.IN_PLACE, flat, MPI.SUM))
        self.reqs += reqs
        self.inflight.append(b)

    def _finish(self) -> None:
        reqs = self.reqs
        if self.used_req is not None:
            reqs.append(self.used_req)
        self.wait(reqs, "DistributedDataParallel's gradient all_reduce", self.pg._timeout_s, self.pg._ranks)
        used, plain = self.used, not self.as_view
        for b in self.inflight:
            for d, buf in zip(b.direct, b.bufs):
                g = d[1]._grad
                if g is not None and g._data is buf:
                    g._vbox[0] += 1
                else:
                    self._write(d[0], d[1], g, buf, None, used)
            for i, p, off, _, slot in b.packed:
                g = p._grad
                if plain and g is not None:
                    a = g._data
                    if a.flags.c_contiguous and a.flags.writeable and g._base is None:
                        a[...] = slot   # the common case, inline: a fresh or kept C-ordered .grad
                        g._vbox[0] += 1
                        continue
                self._write(i, p, g, slot, (b.flat, off), used)
            b.reqs = []
            b.bufs = []
        self.inflight = []
        self.reqs = []
        self.used = self.used_req = None
        self.finished = True
        self.expect = False     # a second backward without a new forward accumulates locally, as in PyTorch

    def _write(self, i: int, p, g, values: np.ndarray, slot_of, used) -> None:
        """Put a parameter's averaged gradient ``values`` (a buffer of the parameter's shape) into ``.grad``."""
        if g is None and used is not None and not used[i]:
            return  # no rank produced a gradient: .grad stays None, as in PyTorch
        if slot_of is not None and self.as_view and values.dtype == p._data.dtype:
            if g is None or not _is_slot(g._data, *slot_of):
                p._grad = Tensor._make(values)  # gradient_as_bucket_view: .grad aliases the bucket
            else:
                g._vbox[0] += 1
        elif g is not None and g._data.flags.c_contiguous and g._data.flags.writeable and g._base is None:
            np.copyto(g._data, values, casting="unsafe")
            g._vbox[0] += 1
        elif g is not None and g._base is None and g._data.dtype == values.dtype:
            # A transposed (or read-only) gradient: a fresh C-ordered copy beats a strided write.
            g._data = values.copy()
            g._vbox[0] += 1
        else:
            p._grad = Tensor._make(values.astype(p._data.dtype, copy=True))


def _is_slot(a: np.ndarray, flat: np.ndarray, off: int) -> bool:
    """True when ``a`` is exactly the bucket's slot at ``off`` (a gradient_as_bucket_view gradient)."""
    return (a.base is flat or a.base is not None and a.base.base is flat) and a.flags.c_contiguous and \
        a.__array_interface__["data"][0] == flat.__array_interface__["data"][0] + off * flat.itemsize


def _describe_layout(layout: tuple) -> str:
    """A reducer layout in words, for the construction error: bucket sizes and the unused-parameter search."""
    find_unused, buckets = layout
    sizes = ", ".join(f"{sum(n for _, n in members)} {np.dtype(dt).name}" for dt, members, _ in buckets)
    in_place = sum(len(direct) for _, _, direct in buckets)
    return (f"{len(buckets)} bucket{'s' if len(buckets) != 1 else ''} [{sizes}] ({in_place} averaged in place, "
            f"find_unused_parameters={find_unused})")


def _mpi():
    from ...distributed import _runtime as rt

    return rt._State.MPI


def _find_tensors(obj) -> list:
    """Tensors anywhere in a (nested) forward output."""
    found, stack = [], [obj]
    while stack:
        o = stack.pop()
        if isinstance(o, Tensor):
            found.append(o)
        elif isinstance(o, (list, tuple)):
            stack.extend(o)
        elif isinstance(o, dict):
            stack.extend(o.values())
    return found


def _reached_leaves(outputs) -> set:
    """ids of the leaf tensors the outputs' graph reaches (iterative walk over next_functions)."""
    stack, seen, leaves = [], set(), set()
    for t in _find_tensors(outputs):
        if t.grad_fn is not None:
            stack.append(t.grad_fn)
        elif t._requires_grad:
            leaves.add(id(t))
    while stack:
        node = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if type(node) is AccumulateGrad:
            leaves.add(id(node.variable))
            continue
        for nxt, _ in node.next_functions:
            if nxt is not None and id(nxt) not in seen:
                stack.append(nxt)
    return leaves


def _broadcast_coalesced(pg, tensors: list, root: int, what: str) -> None:
    """Copy group rank ``root``'s values of ``tensors`` to every rank: one broadcast per dtype."""
    from ...distributed import _runtime as rt

    MPI = _mpi()
    by_dtype: dict = {}
    for t in tensors:
        by_dtype.setdefault(t._data.dtype, []).append(t)
    for ts in by_dtype.values():
        if pg.rank() == root:
            flat = np.concatenate([t._data.reshape(-1) for t in ts])
        else:
            flat = np.empty(sum(t._data.size for t in ts), ts[0]._data.dtype)
        rt.wait([pg._comm.Ibcast([flat, MPI.BYTE], root=root)], what, pg._timeout_s, pg._ranks)
        if pg.rank() != root:
            off = 0
            for t in ts:
                n = t._data.size
                t._data[...] = flat[off:off + n].reshape(t._data.shape)
                t._vbox[0] += 1
                off += n


class DistributedDataParallel(Module):
    """Data parallelism across processes: same model on every rank, gradients averaged in ``backward()``.

    Launch with ``mpiexec -n N numtorch run train.py`` after ``init_process_group``; feed each rank its own
    shard (``DistributedSampler``). ``no_sync()`` skips the averaging (gradient accumulation).
    """

    def __init__(self, module: Module, device_ids=None, output_device=None, dim: int = 0, broadcast_buffers=None,
                 init_sync: bool = True, process_group=None, bucket_cap_mb: float | None = None,
                 find_unused_parameters: bool = False, check_reduction: bool = False,
                 gradient_as_bucket_view: bool = False, static_graph: bool = False, delay_all_reduce_named_params=None,
                 param_to_hook_all_reduce=None, mixed_precision=None, device_mesh=None,
                 skip_all_reduce_unused_params: bool = False, bucket_cap_mb_list: list[int] | None = None,
                 batched_grad_copy: bool = False, forward_sync_buffers: bool | None = None):
        super().__init__()
        dist = _dist()
        from ...distributed import distributed_c10d as c10d

        pg = c10d._get_default_group() if process_group is None else process_group
        self.parameters_to_ignore = set(getattr(module, "_ddp_params_and_buffers_to_ignore", ()))
        self._module_parameters = [p for n, p in module.named_parameters() if n not in self.parameters_to_ignore]
        if not any(p.requires_grad for p in self._module_parameters):
            raise RuntimeError("DistributedDataParallel is not needed when a module doesn't have any parameter that "
                               "requires a gradient.")
        if device_ids is not None and len(device_ids) > 1:
            raise ValueError("device_ids can only be None or contain a single element.")
        if device_ids or output_device:
            raise ValueError(
                "DistributedDataParallel device_ids and output_device arguments only work with single-device/"
                "multiple-device GPU modules or CPU modules, but got device_ids "
                f"{device_ids}, output_device {output_device}, and module parameters {{device(type='cpu')}}.")
        if mixed_precision is not None:
            raise NotImplementedError("numtorch's DistributedDataParallel does not support mixed_precision")
        self.process_group = pg
        self.is_multi_device_module = False
        self.device_type = "cpu"
        self.device_ids = None
        self.output_device = None
        self.static_graph = static_graph
        self.dim = dim
        self.module = module
        self.device = self._module_parameters[0].device
        if broadcast_buffers is not None:
            if forward_sync_buffers is not None:
                warnings.warn("Both `broadcast_buffers` and `forward_sync_buffers` were specified. `broadcast_buffers` "
                              "is deprecated and its value is ignored when `forward_sync_buffers` is provided.",
                              FutureWarning, stacklevel=2)
            else:
                warnings.warn("`broadcast_buffers` is deprecated. Use `forward_sync_buffers` instead. IMPORTANT: "
                              "unlike `broadcast_buffers=False`, `forward_sync_buffers=False` still syncs buffers at "
                              "init. If you rely on buffers NOT being synced at init (e.g. rank-local buffers), keep "
                              "using `broadcast_buffers=False` until `init_sync_buffers` is available.",
                              FutureWarning, stacklevel=2)
        if forward_sync_buffers is not None:
            self.forward_sync_buffers = forward_sync_buffers
            init_sync_buffers = True
        else:
            self.forward_sync_buffers = broadcast_buffers if broadcast_buffers is not None else True
            init_sync_buffers = self.forward_sync_buffers
        self.find_unused_parameters = find_unused_parameters
        self.require_backward_grad_sync = True
        self.require_forward_param_sync = True
        self.gradient_as_bucket_view = gradient_as_bucket_view
        cap_mb = bucket_cap_mb if bucket_cap_mb is not None else _DEFAULT_BUCKET_CAP_MB
        self.bucket_bytes_cap = int(cap_mb * 1024 * 1024)
        caps = [_DEFAULT_FIRST_BUCKET_BYTES if bucket_cap_mb is None else self.bucket_bytes_cap, self.bucket_bytes_cap]
        if bucket_cap_mb_list:
            caps = [int(c * 1024 * 1024) for c in bucket_cap_mb_list]
        self.modules_buffers = [b for n, b in module.named_buffers() if n not in self.parameters_to_ignore]

        grad_params = [p for p in self._module_parameters if p.requires_grad]
        self.reducer = _Reducer(grad_params, pg, caps, find_unused_parameters, gradient_as_bucket_view)
        # The one agreement across ranks: after it, every step's allreduces are known to match.
        self._verify_same_model(dist)
        root = 0  # group rank 0 is the authority, as in PyTorch
        if init_sync and pg.size() > 1:
            _broadcast_coalesced(pg, self._module_parameters, root, "DistributedDataParallel's parameter broadcast")
            if init_sync_buffers and self.modules_buffers:
                _broadcast_coalesced(pg, self.modules_buffers, root, "DistributedDataParallel's buffer broadcast")

        # The AccumulateGrad nodes are held here: a leaf keeps only a weak reference to its own.
        self._accumulators = []
        if pg.size() > 1:
            reducer = self.reducer
            for i, p in enumerate(grad_params):
                acc = accumulator_of(p)
                acc.register_hook(lambda _out, _grads, i=i: reducer.hook(i))
                self._accumulators.append(acc)

    def _verify_same_model(self, dist) -> None:
        """Check, in one exchange, that every rank has the same parameters and the same gradient message layout.

        The steps' allreduces carry no shape check of their own (it would cost a round trip per bucket per
        step), so everything that decides them - parameter shapes, dtypes and ``requires_grad``, bucket
        caps, ``find_unused_parameters``, ``gradient_as_bucket_view`` - is compared here, and a difference
        raises the same RuntimeError on every rank instead of a hang or garbage later.
        """
        pg = self.process_group
        if pg.size() == 1:
            return
        params = [(tuple(p.shape), str(p.dtype), bool(p.requires_grad)) for p in self._module_parameters]
        every = [None] * pg.size()
        dist.all_gather_object(every, (params, self.reducer.layout()), group=pg)
        ref, ref_layout = every[0]
        r0 = pg._ranks[0]
        for r, (other, layout) in enumerate(every):
            rank = pg._ranks[r]
            if len(other) != len(ref):
                raise RuntimeError(f"DDP expects same model across all ranks, but Rank {r0} has {len(ref)} "
                                   f"params, while rank {rank} has inconsistent {len(other)} params.")
            for k, (a, b) in enumerate(zip(ref, other)):
                if a[:2] != b[:2]:
                    raise RuntimeError(f"DDP expects same model across all ranks, but parameter {k} has shape "
                                       f"{list(b[0])} ({b[1]}) on rank {rank} and {list(a[0])} ({a[1]}) on "
                                       f"rank {r0}.")
                if a[2] != b[2]:
                    raise RuntimeError(f"DDP expects same model across all ranks, but parameter {k} has "
                                       f"requires_grad={b[2]} on rank {rank} and requires_grad={a[2]} on rank {r0}.")
            if layout != ref_layout:
                raise RuntimeError(
                    "DDP expects the same gradient bucket layout on all ranks, but rank "
                    f"{rank} would average gradients as {_describe_layout(layout)} and rank {r0} as "
                    f"{_describe_layout(ref_layout)}: pass the same bucket_cap_mb, bucket_cap_mb_list, "
                    "gradient_as_bucket_view and find_unused_parameters on every rank.")

    def forward(self, *inputs, **kwargs):
        """Run the wrapped module (syncing buffers from rank 0 first); arm gradient averaging for backward."""
        sync = _gm._State.enabled and self.require_backward_grad_sync
        if sync:
            self.reducer.prepare_for_forward()
        pg = self.process_group
        if self.require_forward_param_sync and self.forward_sync_buffers and self.modules_buffers and pg.size() > 1:
            _broadcast_coalesced(pg, self.modules_buffers, 0, "DistributedDataParallel's buffer broadcast")
        output = self.module(*inputs, **kwargs)
        if sync:
            self.require_forward_param_sync = True
            self.reducer.prepare_for_backward(output if self.find_unused_parameters else None)
        else:
            self.require_forward_param_sync = False
        return output

    @contextmanager
    def no_sync(self):
        """Within this context backward accumulates gradients locally; the next synced backward averages them."""
        old = self.require_backward_grad_sync
        self.require_backward_grad_sync = False
        try:
            yield
        finally:
            self.require_backward_grad_sync = old

    def will_sync_module_buffers(self) -> bool:
        return self.require_forward_param_sync and self.forward_sync_buffers and len(self.modules_buffers) > 0

    def _set_static_graph(self) -> None:
        self.static_graph = True

    @staticmethod
    def _set_params_and_buffers_to_ignore_for_model(module: Module, params_and_buffers_to_ignore) -> None:
        """Names (``'layer.weight'``) of parameters and buffers DDP should neither sync nor average."""
        module._ddp_params_and_buffers_to_ignore = params_and_buffers_to_ignore


DistributedDataParallelCPU = DistributedDataParallel
