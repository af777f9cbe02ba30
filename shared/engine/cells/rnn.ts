// Elman RNN: h_t = tanh(N_x(x_t Wx) + N_h(h_{t-1} Wh) + b).
import { tf, type Tensor2D } from '../tf'
import type { Cell } from './cell'

export const rnnCell: Cell = {
  kind: 'rnn',
  step: ({ xn, hn, b }) => ({ h: tf.tanh(tf.add(tf.add(xn, hn), b)) as Tensor2D, c: null }),
}
