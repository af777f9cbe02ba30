// The archive as tidy data: one table per kind of record, one row per observation, every value in
// its own column. The column lists and their meanings are defined once here: reports attach these
// tables, and the full data export writes them, from one code path (DATA_DICTIONARY goes beside them).
import type { Run } from '../../contract/schemas'
import type { Cell } from './csv'

export interface TidyTable {
  name: string
  columns: readonly string[]
  rows: Cell[][]
}

export const TABLE_COLUMNS = {
  runs: [
    'run_id',
    'run_uuid',
    'study_id',
    'name',
    'status',
    'task',
    'cell',
    'norm',
    'batch_size',
    'batching',
    'seed',
    'steps',
    'hidden',
    'lr',
    'optimizer',
    'backend',
    'gpu_renderer',
    'host',
    'created_at',
    'started_at',
    'ended_at',
    'error',
    'config_json',
  ],
  metrics: ['run_id', 'run_uuid', 'name', 'step', 'value', 'wall_ms'],
  timestep_stats: ['run_id', 'run_uuid', 'layer', 'term', 'step', 'time_step', 'count', 'norm_count', 'mean', 'var'],
  evaluations: ['run_id', 'run_uuid', 'step', 'policy', 'length', 'metric', 'value'],
  population: ['run_id', 'run_uuid', 'step', 'layer', 'term', 'time_step', 'seen', 'mean', 'var'],
  snapshots: ['run_id', 'term', 'step', 'sample', 'time_step', 'feature', 'value', 'valid'],
} as const

export type TableName = keyof typeof TABLE_COLUMNS

/** What every column means, for the data dictionary beside the CSV files. */
export const DATA_DICTIONARY: Record<TableName, { about: string; columns: Record<string, string> }> = {
  runs: {
    about: 'One row per run.',
    columns: {
      run_id: 'the run’s id in the archive it came from',
      run_uuid: 'the run’s identity across archives',
      study_id: 'the study it belongs to (empty: none)',
      name: 'its name',
      status: 'queued, running, completed, failed, interrupted or diverged',
      task: 'adding, copy, mnist, words or user',
      cell: 'rnn, lstm or gru',
      norm: 'none, bn_step (BN per time step), bn_seq (sequence-wise BN), ln or gn',
      batch_size: 'samples per batch',
      batching: 'mask, pad (padding counted as data), truncate or bucket',
      seed: 'the random seed of initialization and data',
      steps: 'training steps asked for',
      hidden: 'hidden units',
      lr: 'learning rate',
      optimizer: 'adam, sgd or rmsprop',
      backend: 'the tfjs backend it trained on',
      gpu_renderer: 'the GPU’s renderer string (WebGL)',
      host: 'the machine whose process trained it',
      created_at: 'epoch milliseconds',
      started_at: 'epoch milliseconds',
      ended_at: 'epoch milliseconds',
      error: 'why it failed, diverged or was interrupted',
      config_json: 'its full configuration as JSON',
    },
  },
  metrics: {
    about: 'One row per run, metric and training step.',
    columns: {
      run_id: 'see runs',
      run_uuid: 'see runs',
      name: 'loss, accuracy, grad_norm, lr, step_ms (the step’s duration), eval/loss, eval/accuracy (held-out)',
      step: 'training step',
      value: 'the metric',
      wall_ms: 'milliseconds since the run started',
    },
  },
  timestep_stats: {
    about:
      'One row per run, term, recorded training step and time step: the batch statistics of the pre-normalization activation over the valid samples.',
    columns: {
      run_id: 'see runs',
      run_uuid: 'see runs',
      layer: 'layer (0: the first)',
      term: 'x: the input term x·Wx, h: the recurrent term h·Wh, c: the LSTM cell state',
      step: 'training step it was recorded at',
      time_step: 'position in the sequence (0: first)',
      count: 'valid samples at this time step',
      norm_count:
        'how many values each of the normalizer’s statistics averages (BN per step: the valid samples; LN: the features); empty: not normalized',
      mean: 'batch mean, averaged over features (empty: no valid sample)',
      var: 'batch variance (biased), averaged over features',
    },
  },
  evaluations: {
    about: 'One row per run, step, BN policy, evaluation length and metric: length generalization.',
    columns: {
      run_id: 'see runs',
      run_uuid: 'see runs',
      step: 'training step it was evaluated at',
      policy: 'per-step BN past the trained length: last, global, batch; none for other norms',
      length: 'sequence length evaluated at',
      metric: 'loss or accuracy',
      value: 'the metric on held-out sequences of that length',
    },
  },
  population: {
    about:
      'One row per run, snapshot step, term and time step: BN’s population (running) statistics, averaged over features.',
    columns: {
      run_id: 'see runs',
      run_uuid: 'see runs',
      step: 'training step of the snapshot',
      layer: 'layer',
      term: 'x, h or c',
      time_step: 'position in the sequence',
      seen: 'how often this time step was updated',
      mean: 'running mean, averaged over features',
      var: 'running variance (unbiased updates), averaged over features',
    },
  },
  snapshots: {
    about:
      'One row per run, term, snapshot step, sample, time step and stored feature: the pre-normalization value one training batch had there (the explorable). A snapshot step is a recorded step: its batch statistics are the timestep_stats rows with the same run, term and step.',
    columns: {
      run_id: 'see runs',
      term: 'x, h or c',
      step: 'training step of the snapshot (a recorded step)',
      sample: 'position in the batch',
      time_step: 'position in the sequence',
      feature: 'feature (the first ones of the term, within a size budget)',
      value: 'the value before normalization (empty where padded)',
      valid: '1 where the sample has this time step, 0 where it is padding',
    },
  },
}

export function runRow(run: Run): Cell[] {
  const c = run.config as Record<string, unknown>
  return [
    run.id,
    run.uuid,
    run.studyId,
    run.name,
    run.status,
    run.task,
    run.cell,
    run.norm,
    run.batchSize,
    c.batching as string,
    run.seed,
    c.steps as number,
    c.hidden as number,
    c.lr as number,
    c.optimizer as string,
    run.device?.backend,
    run.device?.gpuRenderer,
    run.host,
    run.createdAt,
    run.startedAt,
    run.endedAt,
    run.error,
    JSON.stringify(run.config),
  ]
}

/** The data dictionary as Markdown. */
export function dataDictionary(tables: readonly TableName[] = Object.keys(TABLE_COLUMNS) as TableName[]): string {
  const parts = [
    '# NormLab data dictionary',
    '',
    'Every table is CSV (RFC 4180, UTF-8). Empty fields are missing values. Times are epoch milliseconds.',
    '',
  ]
  for (const name of tables) {
    parts.push(`## ${name}.csv`, '', DATA_DICTIONARY[name].about, '', '| column | meaning |', '| --- | --- |')
    for (const column of TABLE_COLUMNS[name])
      parts.push(`| ${column} | ${DATA_DICTIONARY[name].columns[column] ?? ''} |`)
    parts.push('')
  }
  return parts.join('\n')
}
