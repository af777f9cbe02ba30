// LSTM with PyTorch's gate order i, f, g, o:
//   c_t = σ(f)·c_{t-1} + σ(i)·tanh(g),  h_t = σ(o)·tanh(N_c(c_t)); the recurrence carries c_t.
// The gate pre-activation is N_x(x·Wx) + b + N_h(h·Wh), so both terms get the same gradient.
import { add, dsigmoid, dtanh, mul, sigmoid, tanh } from '../formulas'
import { defineCell } from './cell'

const dz = {
  i: mul('dc', 'a.g', dsigmoid('a.i')),
  f: mul('dc', 'prev.c', dsigmoid('a.f')),
  g: mul('dc', 'a.i', dtanh('a.g')),
  o: mul('dh', 'th', dsigmoid('a.o')),
}

export const lstm = defineCell({
  kind: 'lstm',
  gates: ['i', 'f', 'g', 'o'],
  state: ['h', 'c'],
  terms: ['x', 'h', 'c'],
  activations: {
    i: sigmoid(add('x.i', 'u.i')),
    f: sigmoid(add('x.f', 'u.f')),
    g: tanh(add('x.g', 'u.g')),
    o: sigmoid(add('x.o', 'u.o')),
    c: add(mul('a.f', 'prev.c'), mul('a.i', 'a.g')),
  },
  inner: { term: 'c', activation: 'c' },
  next: { h: mul('a.o', tanh('y')), c: 'a.c' },
  backward: {
    beforeNorm: { th: tanh('y'), inner: mul('dh', 'a.o', dtanh('th')) },
    afterNorm: { dc: add('dinner', 'carry.c') },
    dx: dz,
    du: dz,
    carry: { h: 0, c: mul('dc', 'a.f') },
  },
})
