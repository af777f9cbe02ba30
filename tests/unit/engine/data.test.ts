import { describe, expect, it } from 'vitest'
import { TrainConfig } from '../../../shared/contract/train-config'
import { collate } from '../../../shared/engine/data/batch'
import { sampleLength } from '../../../shared/engine/data/lengths'
import { addingSample } from '../../../shared/engine/data/tasks/adding'
import { copySample, COPY_K } from '../../../shared/engine/data/tasks/copy'
import { parseCsv, parseJsonl, UserDataError } from '../../../shared/engine/data/tasks/user'
import { LANGUAGES, wordsTask } from '../../../shared/engine/data/tasks/words'
import { Rng } from '../../../shared/engine/core/rng'

describe('tasks', () => {
  it('adding: two markers, one per half, target their sum', () => {
    const s = addingSample(new Rng(1), 20)
    const marked = Array.from({ length: 20 }, (_, t) => t).filter((t) => s.x[t * 2 + 1] === 1)
    expect(marked).toHaveLength(2)
    expect(marked[0]).toBeLessThan(10)
    expect(marked[1]).toBeGreaterThanOrEqual(10)
    expect(s.label).toBeCloseTo(s.x[marked[0]! * 2]! + s.x[marked[1]! * 2]!, 6)
  })

  it('copy: the answer steps hold the first symbols and only they are scored', () => {
    const s = copySample(new Rng(2), 20)
    const symbols = Array.from({ length: COPY_K }, (_, t) => Array.from(s.x.subarray(t * 10, t * 10 + 10)).indexOf(1))
    expect(s.steps!.labels.slice(-COPY_K)).toEqual(symbols)
    expect(s.steps!.weights.reduce((a, b) => a + b)).toBe(COPY_K)
  })

  it('words: every language present, variable lengths, deterministic split', () => {
    const a = wordsTask(1)
    const b = wordsTask(1)
    expect(a.outputs).toBe(LANGUAGES.length)
    expect(a.heldOut(5).map((s) => s.label)).toEqual(b.heldOut(5).map((s) => s.label))
    const lengths = new Set(a.heldOut(100).map((s) => s.length))
    expect(lengths.size).toBeGreaterThan(5)
  })

  it('long-tailed lengths are mostly short and sometimes long', () => {
    const rng = new Rng(3)
    const lengths = Array.from({ length: 2000 }, () => sampleLength({ kind: 'longtail', min: 2, max: 100 }, rng))
    // Geometric with mean a quarter of the range: P(length < 30) = 1 - (1 - 1/25.5)^28 ≈ 0.67.
    const short = lengths.filter((l) => l < 30).length / lengths.length
    expect(short).toBeGreaterThan(0.62)
    expect(short).toBeLessThan(0.72)
    const median = [...lengths].sort((a, b) => a - b)[1000]!
    expect(median).toBeLessThan(25)
    expect(Math.max(...lengths)).toBeGreaterThan(80)
  })

  it('collates with the batching strategies', () => {
    const samples = [addingSample(new Rng(1), 5), addingSample(new Rng(2), 3)]
    expect(collate(samples, 2, 'regression', 'mask')).toMatchObject({ T: 5, lengths: [5, 3] })
    expect(collate(samples, 2, 'regression', 'pad')).toMatchObject({ T: 5, lengths: [5, 5] })
    expect(collate(samples, 2, 'regression', 'truncate')).toMatchObject({ T: 3, lengths: [3, 3] })
  })
})

describe('user data', () => {
  it('reads JSONL with classes or targets', () => {
    const data = parseJsonl('{"x": [[1, 2], [3, 4]], "label": 0}\n\n{"x": [[5, 6]], "label": 1}\n')
    expect(data).toMatchObject({ inputSize: 2, outputs: 2, targetKind: 'class' })
    expect(data.samples.map((s) => s.length)).toEqual([2, 1])
    expect(parseJsonl('{"x": [0.5, 0.25], "target": 1.5}').targetKind).toBe('regression')
  })

  it('names the line and field of every problem', () => {
    const text = [
      '{"x": [[1, 2]], "label": 0}',
      '{"x": [[1, "a"]], "label": 1}',
      'not json',
      '{"x": [[1, 2, 3]], "label": 1}',
      '{"x": [[1, 2]], "label": 1.5, "colour": "red"}',
    ].join('\n')
    const error = (() => {
      try {
        parseJsonl(text)
      } catch (e) {
        return e as UserDataError
      }
    })()!
    expect(error).toBeInstanceOf(UserDataError)
    expect(error.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 2, field: 'x[0][1]' }),
        expect.objectContaining({ line: 3, field: '(line)' }),
        expect.objectContaining({ line: 4, field: 'x[0]', message: 'has 3 features, but line 1 has 2' }),
        expect.objectContaining({ line: 5, field: 'colour' }),
        expect.objectContaining({ line: 5, field: 'label' }),
      ]),
    )
    expect(error.message).toMatch(/line 3, \(line\): is not valid JSON/)
  })

  it('reads CSV in long format and checks steps, labels and numbers', () => {
    const ok = parseCsv('sequence,step,label,a,b\ns1,0,1,0.1,0.2\ns1,1,1,0.3,0.4\ns2,0,0,1,2\n')
    expect(ok.samples.map((s) => s.length)).toEqual([2, 1])
    expect(() => parseCsv('seq,t,y,a\n')).toThrow(/header/)
    const bad = (() => {
      try {
        parseCsv('sequence,step,label,a\ns1,0,1,0.1\ns1,2,1,x\ns1,3,0,1\ns2,0,1\n')
      } catch (e) {
        return e as UserDataError
      }
    })()!
    expect(bad.problems).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ line: 3, field: 'step', message: expect.stringMatching(/must be 1/) }),
        expect.objectContaining({
          line: 3,
          field: 'a',
          message: 'must be a finite number within ±3.4e38 (float32, what training computes in), got "x"',
        }),
        expect.objectContaining({
          line: 4,
          field: 'label',
          message: expect.stringMatching(/changes within sequence "s1"/),
        }),
        expect.objectContaining({ line: 5, field: '(row)' }),
      ]),
    )
  })
})

describe('values training cannot represent', () => {
  it('a feature of 1e39 (finite in JavaScript, Infinity in float32) is a data error naming its line, before training (it trained to NaN)', () => {
    const error = (() => {
      try {
        parseCsv('sequence,step,target,a\ns1,0,0.5,1\ns1,1,0.5,1e39\n')
      } catch (e) {
        return e as UserDataError
      }
    })()!
    expect(error).toBeInstanceOf(UserDataError)
    expect(error.problems).toEqual([
      expect.objectContaining({
        line: 3,
        field: 'a',
        message: expect.stringMatching(/within ±3\.4e38 \(float32.*got "1e39"/),
      }),
    ])
    expect(() => parseCsv('sequence,step,target,a\ns1,0,-3e38,1\n')).not.toThrow()
  })
})

describe('training configuration', () => {
  it('fills defaults (BN gamma 0.1, LN gamma 1, eps 1e-5, momentum 0.1)', () => {
    expect(TrainConfig.parse({ task: 'adding' })).toMatchObject({
      bnGamma: 0.1,
      normGamma: 1,
      eps: 1e-5,
      momentum: 0.1,
      norm: 'bn_step',
      cell: 'lstm',
      batching: 'mask',
    })
  })

  it('refuses impossible combinations with the field named', () => {
    const issues = (v: unknown) =>
      (TrainConfig.safeParse(v).error?.issues ?? []).map((i) => `${i.path.join('.')}: ${i.message}`)
    expect(issues({ task: 'adding', norm: 'gn', hidden: 10, groups: 4 })).toEqual([
      'groups: GroupNorm needs 4 groups to divide the gate width 40 and the hidden size 10',
    ])
    expect(issues({ task: 'copy', lengths: { kind: 'fixed', length: 5 } })).toEqual([
      'lengths: copy memory needs sequences of at least 11 steps',
    ])
    expect(issues({ task: 'adding', lengths: { kind: 'uniform', min: 9, max: 3 } })).toEqual([
      'lengths.min: min (9) is above max (3)',
    ])
    expect(issues({ task: 'user' })).toEqual(['dataFile: the user task needs a data file (JSONL or CSV)'])
    expect(issues({ task: 'adding', batchSize: 0, colour: 1 }).length).toBe(2)
  })
})
