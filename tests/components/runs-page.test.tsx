// @vitest-environment jsdom
// The Runs page over a bridge whose writes fail: a failed star or delete is shown, never swallowed.
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { NormLabBridge, Run } from '../../shared/contract'
import { i18next } from '../../renderer/src/i18n'
import type * as RunsPageTypes from '../../renderer/src/pages/RunsPage'

const RUN: Run = {
  id: 7,
  uuid: '5a1d4c4e-0e4b-4a8e-9c1e-2f3a4b5c6d7e',
  host: null,
  studyId: null,
  name: 'LSTM bn_step · adding · batch 2 · seed 1',
  status: 'completed',
  config: { task: 'adding', cell: 'lstm', norm: 'bn_step', batchSize: 2, seed: 1 },
  configHash: 'x',
  task: 'adding',
  cell: 'lstm',
  norm: 'bn_step',
  batchSize: 2,
  seed: 1,
  device: null,
  createdAt: 0,
  startedAt: 0,
  endedAt: 1,
  tags: [],
  notes: '',
  starred: false,
  error: null,
  lease: null,
}

type RunsPageModule = typeof RunsPageTypes
let RunsPage: RunsPageModule['RunsPage']

beforeAll(async () => {
  const bridge = {
    listRuns: async () => [RUN],
    summarizeRuns: async ({ metric }: { metric: string }) => [
      { runId: 7, final: { step: 100, value: metric === 'loss' ? 0.123456 : 0.5 }, best: { step: 40, value: 0.1 } },
    ],
    updateRun: async () => Promise.reject(new Error('the archive is read-only')),
    deleteRun: async () => Promise.reject(new Error('the archive is read-only')),
    onEvent: () => () => undefined,
  } as unknown as NormLabBridge
  window.normlab = bridge
  // jsdom has no modal dialogs.
  HTMLDialogElement.prototype.showModal ??= function (this: HTMLDialogElement) {
    this.open = true
  }
  HTMLDialogElement.prototype.close ??= function (this: HTMLDialogElement) {
    this.open = false
  }
  await i18next.changeLanguage('en')
  ;({ RunsPage } = await import('../../renderer/src/pages/RunsPage'))
})
afterEach(cleanup)

describe('the Runs page', () => {
  it('shows a failed star instead of swallowing it', async () => {
    render(<RunsPage />)
    fireEvent.click(await screen.findByRole('button', { name: 'Star' }))
    expect((await screen.findByTestId('action-error')).textContent).toBe(
      'That did not go through: the archive is read-only',
    )
  })

  it('shows a failed delete', async () => {
    render(<RunsPage />)
    fireEvent.click(await screen.findByTestId('delete-7'))
    fireEvent.click(await screen.findByTestId('confirm-delete-button'))
    expect((await screen.findByTestId('action-error')).textContent).toMatch(/read-only/)
  })

  it('shows the final and best value of the chosen metric', async () => {
    render(<RunsPage />)
    // The cell shows – until the summaries arrive.
    await waitFor(() => expect(screen.getByTestId('final-value').textContent).toBe('0.1235'))
    expect(screen.getByTestId('best-value').textContent).toBe('0.1000')
    expect(screen.getByTestId('best-value').getAttribute('title')).toMatch(/: 40$/)
    fireEvent.change(screen.getByTestId('summary-metric'), { target: { value: 'accuracy' } })
    expect((await screen.findAllByText('accuracy')).filter((el) => el.className === 'sub')).toHaveLength(2)
    expect((await screen.findByText('0.5000')).getAttribute('data-testid')).toBe('final-value')
  })
})
