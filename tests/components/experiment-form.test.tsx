// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react'
import { useState } from 'react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { PRESETS } from '../../shared/lab/study-plan'
import { ExperimentForm } from '../../renderer/src/components/ExperimentForm'
import { formFromDraft, validateForm, type FormState } from '../../renderer/src/components/experiment-form-state'
import { i18next, setLanguage } from '../../renderer/src/i18n'

/** The form wired as the page wires it: validation on every change, Run off while anything is wrong. */
function Harness({ initial }: { initial: FormState }) {
  const [form, setForm] = useState(initial)
  const { runs, errors, warnings } = validateForm(form)
  return (
    <>
      <ExperimentForm form={form} errors={errors} warnings={warnings} onChange={setForm} />
      <button type="button" disabled={Object.keys(errors).length > 0}>
        Run
      </button>
      <output data-testid="count">{runs.length}</output>
    </>
  )
}

beforeAll(async () => {
  await i18next.changeLanguage('en')
})
afterEach(cleanup)

// One seed, so counts read as the grid's other axes multiply (the preset runs three).
const renderForm = (patch: Partial<FormState> = {}) =>
  render(<Harness initial={{ ...formFromDraft(PRESETS.bnVsLn), seeds: '1', ...patch }} />)
const field = (name: string) => screen.getByRole('textbox', { name })
const runButton = () => screen.getByRole('button', { name: 'Run' }) as HTMLButtonElement

describe('experiment form validation', () => {
  it('a preset is valid: no errors, Run on, one run per norm and seed (three seeds, so findings can judge seed noise)', () => {
    render(<Harness initial={formFromDraft(PRESETS.bnVsLn)} />)
    expect(screen.queryAllByRole('alert')).toEqual([])
    expect(runButton().disabled).toBe(false)
    expect(screen.getByTestId('count').textContent).toBe('6')
  })

  it('shows an error beside a field that is not a number, and turns Run off', () => {
    renderForm()
    fireEvent.change(field('Steps'), { target: { value: 'many' } })
    expect(screen.getByTestId('error-steps').textContent).toBe('must be a number')
    expect(runButton().disabled).toBe(true)
    fireEvent.change(field('Steps'), { target: { value: '120' } })
    expect(screen.queryByTestId('error-steps')).toBeNull()
    expect(runButton().disabled).toBe(false)
  })

  it('checks lists of batch sizes and counts every combination', () => {
    renderForm()
    fireEvent.change(field('Batch sizes'), { target: { value: '2, 8, x' } })
    expect(screen.getByTestId('error-batchSizes').textContent).toBe('must be numbers separated by commas')
    fireEvent.change(field('Batch sizes'), { target: { value: '2, 8, 64' } })
    expect(screen.getByTestId('count').textContent).toBe('6')
    fireEvent.change(field('Batch sizes'), { target: { value: '0' } })
    expect(screen.getByTestId('error-batchSizes').textContent).toMatch(/>=\s*1|too small/i)
  })

  it('warns, without refusing, when BN would normalize batches of one sample', () => {
    renderForm()
    expect(screen.queryByTestId('warning-batchSizes')).toBeNull()
    fireEvent.change(field('Batch sizes'), { target: { value: '1, 8' } })
    expect(screen.getByTestId('warning-batchSizes').textContent).toMatch(
      /^BN with batch size 1: each statistic comes from one sample, so every normalized value becomes β/,
    )
    expect(runButton().disabled).toBe(false)
    expect(screen.getByTestId('count').textContent).toBe('4')
  })

  it('offers every cell as a grid axis: each ticked cell multiplies the runs', () => {
    renderForm()
    fireEvent.click(screen.getByTestId('cell-gru'))
    expect(screen.getByTestId('count').textContent).toBe('4')
    fireEvent.click(screen.getByTestId('cell-lstm'))
    fireEvent.click(screen.getByTestId('cell-gru'))
    expect(screen.getByTestId('error-cells').textContent).toBe('pick at least one')
  })

  it('needs at least one norm', () => {
    renderForm()
    fireEvent.click(screen.getByTestId('norm-bn_step'))
    fireEvent.click(screen.getByTestId('norm-ln'))
    expect(screen.getByTestId('error-norms').textContent).toBe('pick at least one')
    expect(runButton().disabled).toBe(true)
  })

  it('explains cross-field problems where they are: lengths, GroupNorm groups', () => {
    renderForm({ lengthKind: 'uniform', lengthMin: '30', lengthMax: '10' })
    expect(screen.getByTestId('error-lengths.min').textContent).toBe(
      'the shortest (30) is longer than the longest (10)',
    )
    cleanup()
    renderForm({ norms: ['gn'], hidden: '10', groups: '4' })
    expect(screen.getByTestId('error-groups').textContent).toBe(
      'GroupNorm needs 4 groups to divide the gate width 40 and the hidden size 10',
    )
  })

  it('speaks Chinese when the interface does, zod messages included', () => {
    setLanguage('zh-CN')
    try {
      renderForm({ steps: 'x', batchSizes: '0' })
      expect(screen.getByTestId('error-steps').textContent).toBe('必须是数字')
      cleanup()
      renderForm({ batchSizes: '0' })
      expect(within(screen.getByTestId('error-batchSizes')).getByText(/[\u4e00-\u9fff]/)).toBeTruthy()
    } finally {
      setLanguage('en')
    }
  })
})
