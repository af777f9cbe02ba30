// GRU in PyTorch's form (bias on the input side, the reset gate on the recurrent part of n):
//   r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r·u_n), h_t = (1 − z)·n + z·h_{t-1},
// where a = N_x(x·Wx) + b and u = N_h(h·Wh). u_n is kept: r's gradient needs it.
import { add, dsigmoid, dtanh, mul, oneMinus, sigmoid, sub, tanh } from '../formulas'
import { defineCell } from './cell'

export const gru = defineCell({
  kind: 'gru',
  gates: ['r', 'z', 'n'],
  state: ['h'],
  terms: ['x', 'h'],
  activations: {
    r: sigmoid(add('x.r', 'u.r')),
    z: sigmoid(add('x.z', 'u.z')),
    n: tanh(add('x.n', mul('a.r', 'u.n'))),
    un: 'u.n',
  },
  next: { h: add(mul(oneMinus('a.z'), 'a.n'), mul('a.z', 'prev.h')) },
  backward: {
    afterNorm: {
      dn: mul('dh', oneMinus('a.z'), dtanh('a.n')),
      dz: mul('dh', sub('prev.h', 'a.n'), dsigmoid('a.z')),
      dr: mul('dn', 'a.un', dsigmoid('a.r')),
    },
    dx: { r: 'dr', z: 'dz', n: 'dn' },
    du: { r: 'dr', z: 'dz', n: mul('dn', 'a.r') },
    carry: { h: mul('dh', 'a.z') },
  },
})
