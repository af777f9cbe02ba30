// A small seeded generator (mulberry32): the same seed gives the same data order and the same
// initial weights on every machine and backend.
export class Rng {
  private state: number

  constructor(seed: number) {
    this.state = (seed >>> 0) ^ 0x9e3779b9
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0)
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next()
  }

  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      ;[items[i], items[j]] = [items[j]!, items[i]!]
    }
    return items
  }

  /** An independent stream derived from this seed and a label (data vs. init vs. eval). */
  static derive(seed: number, label: string): Rng {
    let h = seed >>> 0
    for (let i = 0; i < label.length; i++) h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
    return new Rng(h)
  }
}
