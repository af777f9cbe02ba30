// Elman RNN: h_t = tanh(N_x(x·Wx) + b + N_h(h·Wh)).
import { add, dtanh, mul, tanh } from '../formulas'
import { defineCell } from './cell'

export const rnn = defineCell({
  kind: 'rnn',
  gates: ['h'],
  state: ['h'],
  terms: ['x', 'h'],
  activations: { h: tanh(add('x.h', 'u.h')) },
  next: { h: 'a.h' },
  backward: {
    afterNorm: { dz: mul('dh', dtanh('a.h')) },
    dx: { h: 'dz' },
    du: { h: 'dz' },
    carry: { h: 0 },
  },
})
