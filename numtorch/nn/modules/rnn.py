"""Recurrent layers: RNN (tanh/relu), LSTM, GRU — multi-layer, bidirectional, batch_first.

Written with differentiable ops (linear, sigmoid, tanh, …), one time step at a time, so backpropagation
through time is just the engine walking the unrolled graph. Parameter names, shapes, gate order and
initialisation (U(-1/sqrt(hidden), 1/sqrt(hidden)) for every weight, in PyTorch's order) match PyTorch.
"""

from __future__ import annotations

import math

from ... import creation, dtypes as _dt
from ...ops import nn_ops as F
from ...ops import pointwise as P
from ...ops import shape as S
from .. import init
from ..parameter import Parameter
from .module import Module

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


class RNNBase(Module):
    """Shared set-up of RNN, LSTM and GRU."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__()
        if not 0 <= dropout <= 1:
            raise ValueError("dropout should be a number in range [0, 1] representing the probability of an "
                             "element being zeroed")
        if hidden_size <= 0:
            raise ValueError("hidden_size must be greater than zero")
        if num_layers <= 0:
            raise ValueError("num_layers must be greater than zero")
        if proj_size:
            raise NotImplementedError("numtorch's LSTM does not support proj_size")
        self.mode, self.input_size, self.hidden_size = mode, input_size, hidden_size
        self.num_layers, self.bias, self.batch_first = num_layers, bias, batch_first
        self.dropout, self.bidirectional, self.proj_size = float(dropout), bidirectional, proj_size
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        gate = _GATES[mode] * hidden_size
        num_dirs = 2 if bidirectional else 1
        self._flat_weights_names = []
        for layer in range(num_layers):
            for direction in range(num_dirs):
                in_size = input_size if layer == 0 else hidden_size * num_dirs
                suffix = "_reverse" if direction == 1 else ""
                names = [f"weight_ih_l{layer}{suffix}", f"weight_hh_l{layer}{suffix}"]
                shapes = [(gate, in_size), (gate, hidden_size)]
                if bias:
                    names += [f"bias_ih_l{layer}{suffix}", f"bias_hh_l{layer}{suffix}"]
                    shapes += [(gate,), (gate,)]
                for name, shape in zip(names, shapes):
                    setattr(self, name, Parameter(creation.empty(*shape, dtype=d)))
                    self._flat_weights_names.append(name)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Every weight and bias ~ U(-1/sqrt(hidden_size), 1/sqrt(hidden_size)), in registration order."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for name in self._flat_weights_names:
            init.uniform_(getattr(self, name), -stdv, stdv)

    @property
    def all_weights(self):
        return [[getattr(self, n) for n in self._flat_weights_names[i:i + (4 if self.bias else 2)]]
                for i in range(0, len(self._flat_weights_names), 4 if self.bias else 2)]

    def _cell(self, x, state, w_ih, w_hh, b_ih, b_hh):
        mode = self.mode
        if mode == "LSTM":
            h, c = state
            gates = F.linear(x, w_ih, b_ih) + F.linear(h, w_hh, b_hh)
            i, f, g, o = S.chunk(gates, 4, -1)
            i, f, g, o = P.sigmoid(i), P.sigmoid(f), P.tanh(g), P.sigmoid(o)
            c = f * c + i * g
            return o * P.tanh(c), c
        if mode == "GRU":
            h = state
            gi = F.linear(x, w_ih, b_ih)
            gh = F.linear(h, w_hh, b_hh)
            i_r, i_z, i_n = S.chunk(gi, 3, -1)
            h_r, h_z, h_n = S.chunk(gh, 3, -1)
            r = P.sigmoid(i_r + h_r)
            z = P.sigmoid(i_z + h_z)
            n = P.tanh(i_n + r * h_n)
            return (1 - z) * n + z * h
        pre = F.linear(x, w_ih, b_ih) + F.linear(state, w_hh, b_hh)
        return P.tanh(pre) if mode == "RNN_TANH" else P.relu(pre)

    def forward(self, input, hx=None):
        is_lstm = self.mode == "LSTM"
        unbatched = input.dim() == 2
        if input.dim() not in (2, 3):
            raise ValueError(f"{type(self).__name__}: Expected input to be 2D or 3D, got {input.dim()}D instead")
        x = S.unsqueeze(input, 1 if not self.batch_first else 0) if unbatched else input
        if self.batch_first:
            x = S.transpose(x, 0, 1)
        seq_len, batch = x.shape[0], x.shape[1]
        if x.shape[2] != self.input_size:
            raise RuntimeError(f"input.size(-1) must be equal to input_size. Expected {self.input_size}, "
                               f"got {x.shape[2]}")
        num_dirs = 2 if self.bidirectional else 1
        if hx is None:
            zeros = creation.zeros(self.num_layers * num_dirs, batch, self.hidden_size, dtype=x.dtype)
            hx = (zeros, creation.zeros(self.num_layers * num_dirs, batch, self.hidden_size, dtype=x.dtype)) \
                if is_lstm else zeros
        elif unbatched:
            hx = tuple(S.unsqueeze(h, 1) for h in hx) if is_lstm else S.unsqueeze(hx, 1)
        per = 4 if self.bias else 2
        layer_input = x
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(num_dirs):
                k = layer * num_dirs + direction
                names = self._flat_weights_names[k * per:(k + 1) * per]
                w = [getattr(self, n) for n in names] + ([None, None] if not self.bias else [])
                state = (hx[0][k], hx[1][k]) if is_lstm else hx[k]
                steps = range(seq_len - 1, -1, -1) if direction == 1 else range(seq_len)
                seq = [None] * seq_len
                for t in steps:
                    state = self._cell(layer_input[t], state, *w)
                    seq[t] = state[0] if is_lstm else state
                outs.append(S.stack(seq, 0))
                if is_lstm:
                    h_n.append(state[0])
                    c_n.append(state[1])
                else:
                    h_n.append(state)
            layer_input = S.cat(outs, 2) if num_dirs == 2 else outs[0]
            if self.dropout and self.training and layer < self.num_layers - 1:
                layer_input = F.dropout(layer_input, self.dropout, True)
        output = layer_input
        if self.batch_first:
            output = S.transpose(output, 0, 1)
        h = S.stack(h_n, 0)
        if unbatched:
            output = S.squeeze(output, 1 if not self.batch_first else 0)
            h = S.squeeze(h, 1)
        if is_lstm:
            c = S.stack(c_n, 0)
            if unbatched:
                c = S.squeeze(c, 1)
            return output, (h, c)
        return output, h

    def extra_repr(self) -> str:
        s = f"{self.input_size}, {self.hidden_size}"
        if self.num_layers != 1:
            s += f", num_layers={self.num_layers}"
        if not self.bias:
            s += ", bias=False"
        if self.batch_first:
            s += ", batch_first=True"
        if self.dropout:
            s += f", dropout={self.dropout}"
        if self.bidirectional:
            s += ", bidirectional=True"
        return s


class RNN(RNNBase):
    """Elman RNN: h' = tanh(W_ih x + b_ih + W_hh h + b_hh) (or relu)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, nonlinearity: str = "tanh",
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False,
                 device=None, dtype=None):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"Unknown nonlinearity '{nonlinearity}'. Select from 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size, hidden_size,
                         num_layers, bias, batch_first, dropout, bidirectional, device=device, dtype=dtype)


class LSTM(RNNBase):
    """Long short-term memory (gates i, f, g, o in PyTorch's order)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, proj_size: int = 0,
                 device=None, dtype=None):
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         proj_size, device=device, dtype=dtype)


class GRU(RNNBase):
    """Gated recurrent unit (gates r, z, n in PyTorch's order)."""

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1, bias: bool = True,
                 batch_first: bool = False, dropout: float = 0.0, bidirectional: bool = False, device=None,
                 dtype=None):
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         device=device, dtype=dtype)


class _CellBase(Module):
    _mode = "RNN_TANH"

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, device=None, dtype=None):
        super().__init__()
        self.input_size, self.hidden_size, self.bias = input_size, hidden_size, bias
        d = _dt.get_default_dtype() if dtype is None else _dt.as_dtype(dtype)
        gate = _GATES[self._mode] * hidden_size
        self.weight_ih = Parameter(creation.empty(gate, input_size, dtype=d))
        self.weight_hh = Parameter(creation.empty(gate, hidden_size, dtype=d))
        if bias:
            self.bias_ih = Parameter(creation.empty(gate, dtype=d))
            self.bias_hh = Parameter(creation.empty(gate, dtype=d))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        stdv = 1.0 / math.sqrt(hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + ("" if self.bias else ", bias=False")

    def _run(self, input, state):
        unbatched = input.dim() == 1
        x = S.unsqueeze(input, 0) if unbatched else input
        if state is None:
            zeros = creation.zeros(x.shape[0], self.hidden_size, dtype=x.dtype)
            state = (zeros, zeros) if self._mode == "LSTM" else zeros
        elif unbatched:
            state = tuple(S.unsqueeze(s, 0) for s in state) if self._mode == "LSTM" else S.unsqueeze(state, 0)
        out = RNNBase._cell(self, x, state, self.weight_ih, self.weight_hh, self.bias_ih, self.bias_hh)
        if unbatched:
            out = tuple(S.squeeze(o, 0) for o in out) if self._mode == "LSTM" else S.squeeze(out, 0)
        return out

    @property
    def mode(self):
        return self._mode


class RNNCell(_CellBase):
    """One step of an Elman RNN."""

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True, nonlinearity: str = "tanh",
                 device=None, dtype=None):
        self._mode = "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU"
        super().__init__(input_size, hidden_size, bias, device, dtype)
        self.nonlinearity = nonlinearity

    def forward(self, input, hx=None):
        return self._run(input, hx)


class LSTMCell(_CellBase):
    """One step of an LSTM; returns (h', c')."""

    _mode = "LSTM"

    def forward(self, input, hx=None):
        return self._run(input, hx)


class GRUCell(_CellBase):
    """One step of a GRU."""

    _mode = "GRU"

    def forward(self, input, hx=None):
        return self._run(input, hx)
