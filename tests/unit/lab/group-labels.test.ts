// A group's name in words from the catalogue, never JSON: lengths, snapshots, the form's own names.
import { describe, expect, it } from 'vitest'
import { setLabelText } from '../../../shared/lab/findings'

describe('group labels', () => {
  it('names lengths, snapshots and other settings in words, in both languages, norm first as given', () => {
    const label = {
      norm: 'bn_step',
      lengths: '{"kind":"longtail","max":60,"min":5}',
      snapshots: '["first","middle","last"]',
      hidden: 64,
    }
    expect(setLabelText(label, 'en')).toBe(
      'BN per step · long-tail lengths 5–60 · snapshots: first, middle, last · Hidden units 64',
    )
    expect(setLabelText(label, 'zh-CN')).toMatch(/^逐步BN|长尾长度 5–60 · 快照：first, middle, last/)
    expect(setLabelText({ lengths: '{"kind":"fixed","length":30}', snapshots: '[]' }, 'en')).toBe(
      'length 30 · no snapshots',
    )
    expect(setLabelText({ lengths: '{"kind":"uniform","max":40,"min":10}' }, 'en')).toBe('lengths 10–40')
    expect(setLabelText(label, 'en')).not.toMatch(/[{}[\]"]/)
  })
})
