// One pass of the WebGL self-check (scripts/bench-page.ts): which matMul kernel WebGL uses, and
// whether texture padding is poisoned.
export interface SelfCheckPass {
  name: string
  matMul: 'padding-safe' | 'tfjs'
  poison: boolean
}
