// The terms a normalizer can act on in a recurrent cell, and the state a cell carries.

/** Normalizer terms: input `N_x(x Wx)`, recurrent `N_h(h Wh)`, the LSTM's cell state `N_c(c)`. */
export const TERMS = ['x', 'h', 'c'] as const
export type TermName = (typeof TERMS)[number]

/** What the recurrence carries from one step to the next. */
export type StateName = 'h' | 'c'
