// GRU in PyTorch's form (bias on the input side, reset gate on the recurrent part of n):
// a = N_x(x_t Wx) + b, u = N_h(h_{t-1} Wh), each split into (r, z, n) parts;
// r = σ(a_r + u_r), z = σ(a_z + u_z), n = tanh(a_n + r ⊙ u_n), h_t = (1 − z) n + z h_{t-1}.
import { tf, type Tensor2D } from '../tf'
import type { Cell } from './cell'

export const gruCell: Cell = {
  kind: 'gru',
  step({ xn, hn, b, state }) {
    const [ar, az, an] = tf.split(tf.add(xn, b), 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
    const [ur, uz, un] = tf.split(hn, 3, 1) as [Tensor2D, Tensor2D, Tensor2D]
    const r = tf.sigmoid(tf.add(ar, ur))
    const z = tf.sigmoid(tf.add(az, uz))
    const n = tf.tanh(tf.add(an, tf.mul(r, un)))
    return { h: tf.add(n, tf.mul(z, tf.sub(state.h, n))) as Tensor2D, c: null } // (1 − z) n + z h
  },
}
