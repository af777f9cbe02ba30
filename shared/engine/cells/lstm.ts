// LSTM with PyTorch's gate order i, f, g, o:
// c_t = σ(f) c_{t-1} + σ(i) tanh(g);  h_t = σ(o) tanh(N_c(c_t)); the recurrence carries c_t.
import { tf, type Tensor2D } from '../tf'
import type { Cell } from './cell'

export const lstmCell: Cell = {
  kind: 'lstm',
  step({ xn, hn, b, state, normalizeCell }) {
    const [i, f, g, o] = tf.split(tf.add(tf.add(xn, hn), b), 4, 1) as [Tensor2D, Tensor2D, Tensor2D, Tensor2D]
    const c = tf.add(tf.mul(tf.sigmoid(f), state.c!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as Tensor2D
    return { h: tf.mul(tf.sigmoid(o), tf.tanh(normalizeCell(c))) as Tensor2D, c }
  },
}
