// The experiment designer: task, lengths, model, the lists to compare, training and recording
// settings. Errors show beside their field as the user types; Run stays off until there are none.
import type { ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import {
  BATCHINGS,
  CELLS,
  normDefinition,
  NORMS,
  OPTIMIZERS,
  POLICIES,
  TASKS,
  type Batching,
  type CellKind,
  type NormKind,
  type Policy,
} from '../../../shared/kinds'
import type { FieldError, PlanField } from '../../../shared/lab/study-plan'
import type { FormErrors, FormState } from './experiment-form-state'

export interface ExperimentFormProps {
  form: FormState
  errors: FormErrors
  /** Allowed but worth a word (BN over a batch of one). */
  warnings?: FormErrors
  onChange: (form: FormState) => void
  onFile?: (file: File | null) => void
  fileName?: string | null
}

function toggle<T>(list: T[], value: T): T[] {
  return list.includes(value) ? list.filter((v) => v !== value) : [...list, value]
}

/** An error in the user's language when it has a key, else as the validator said it. */
export function ErrorText({ error, testId }: { error: FieldError; testId?: string }) {
  const { t } = useTranslation()
  return (
    <span className="field-error" role="alert" data-testid={testId}>
      {error.key ? t(`validation.${error.key}`, error.values ?? {}) : error.message}
    </span>
  )
}

function Field({
  field,
  label,
  hint,
  error,
  children,
}: {
  field: PlanField
  label: string
  hint?: string
  error?: FieldError
  children: ReactNode
}) {
  return (
    <div className={error ? 'field has-error' : 'field'} data-field={field}>
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
      {error && <ErrorText error={error} testId={`error-${field}`} />}
    </div>
  )
}

export function ExperimentForm({ form, errors, warnings = {}, onChange, onFile, fileName }: ExperimentFormProps) {
  const { t } = useTranslation()
  const set = <K extends keyof FormState>(key: K, value: FormState[K]) => onChange({ ...form, [key]: value })
  const lengthsApply = form.task === 'adding' || form.task === 'copy'

  const text = (key: keyof FormState, label: string) => (
    <input
      aria-label={label}
      value={form[key] as string}
      onChange={(e) => set(key, e.target.value as never)}
      inputMode="decimal"
    />
  )

  return (
    <div className="experiment-form">
      <fieldset>
        <legend>{t('form.data')}</legend>
        <Field field="task" error={errors['task']} label={t('form.task')} hint={t(`tasks.${form.task}.hint`)}>
          <select
            aria-label={t('form.task')}
            value={form.task}
            onChange={(e) => set('task', e.target.value as FormState['task'])}
          >
            {TASKS.map((task) => (
              <option key={task} value={task}>
                {t(`tasks.${task}.name`)}
              </option>
            ))}
          </select>
        </Field>
        {form.task === 'user' && (
          <Field field="dataFile" error={errors['dataFile']} label={t('form.dataFile')} hint={t('form.dataFileHint')}>
            <input
              type="file"
              accept=".jsonl,.json,.csv,.txt"
              aria-label={t('form.dataFile')}
              onChange={(e) => onFile?.(e.target.files?.[0] ?? null)}
            />
            {fileName && <span className="muted">{fileName}</span>}
          </Field>
        )}
        <Field
          field="lengths"
          error={errors['lengths']}
          label={t('form.lengths')}
          hint={lengthsApply ? t('form.lengthsHint') : t('form.lengthsFixedByTask')}
        >
          <div className="inline">
            <select
              aria-label={t('form.lengthKind')}
              value={form.lengthKind}
              disabled={!lengthsApply}
              onChange={(e) => set('lengthKind', e.target.value as FormState['lengthKind'])}
            >
              <option value="fixed">{t('form.lengthFixed')}</option>
              <option value="uniform">{t('form.lengthUniform')}</option>
              <option value="longtail">{t('form.lengthLongtail')}</option>
            </select>
            {form.lengthKind === 'fixed' ? (
              <input
                aria-label={t('form.length')}
                value={form.lengthFixed}
                disabled={!lengthsApply}
                onChange={(e) => set('lengthFixed', e.target.value)}
              />
            ) : (
              <>
                <input
                  aria-label={t('form.lengthMin')}
                  value={form.lengthMin}
                  disabled={!lengthsApply}
                  onChange={(e) => set('lengthMin', e.target.value)}
                />
                <span>–</span>
                <input
                  aria-label={t('form.lengthMax')}
                  value={form.lengthMax}
                  disabled={!lengthsApply}
                  onChange={(e) => set('lengthMax', e.target.value)}
                />
              </>
            )}
          </div>
          {(['lengths.min', 'lengths.max', 'lengths.length'] as const).map(
            (f) => errors[f] && <ErrorText key={f} error={errors[f]!} testId={`error-${f}`} />,
          )}
        </Field>
        <Field field="batchings" error={errors['batchings']} label={t('form.batching')} hint={t('form.batchingHint')}>
          <div className="checks">
            {BATCHINGS.map((b: Batching) => (
              <label key={b} title={t(`batching.${b}.hint`)}>
                <input
                  type="checkbox"
                  checked={form.batchings.includes(b)}
                  onChange={() => set('batchings', toggle(form.batchings, b))}
                />
                {t(`batching.${b}.name`)}
              </label>
            ))}
          </div>
        </Field>
      </fieldset>

      <fieldset>
        <legend>{t('form.model')}</legend>
        <Field field="cells" error={errors['cells']} label={t('form.cells')} hint={t('form.cellsHint')}>
          <div className="checks">
            {CELLS.map((c: CellKind) => (
              <label key={c}>
                <input
                  type="checkbox"
                  data-testid={`cell-${c}`}
                  checked={form.cells.includes(c)}
                  onChange={() => set('cells', toggle(form.cells, c))}
                />
                {c.toUpperCase()}
              </label>
            ))}
          </div>
        </Field>
        <Field field="norms" error={errors['norms']} label={t('form.norms')} hint={t('form.normsHint')}>
          <div className="checks">
            {NORMS.map((n: NormKind) => (
              <label key={n} title={t(`normHint.${n}`)}>
                <input
                  type="checkbox"
                  data-testid={`norm-${n}`}
                  checked={form.norms.includes(n)}
                  onChange={() => set('norms', toggle(form.norms, n))}
                />
                {t(`norm.${n}`)}
              </label>
            ))}
          </div>
        </Field>
        <Field field="hidden" error={errors['hidden']} label={t('form.hidden')}>
          {text('hidden', t('form.hidden'))}
        </Field>
        {form.norms.some((n) => normDefinition(n).grouped) && (
          <Field field="groups" error={errors['groups']} label={t('form.groups')}>
            {text('groups', t('form.groups'))}
          </Field>
        )}
      </fieldset>

      <fieldset>
        <legend>{t('form.grid')}</legend>
        <Field field="batchSizes" error={errors['batchSizes']} label={t('form.batchSizes')} hint={t('form.listHint')}>
          {text('batchSizes', t('form.batchSizes'))}
          <label className="inline-check" title={t('form.equalSamplesHint')}>
            <input
              type="checkbox"
              data-testid="equal-samples"
              checked={form.equalSamples}
              onChange={(e) => set('equalSamples', e.target.checked)}
            />{' '}
            {t('form.equalSamples')}
          </label>
          {warnings.batchSizes && !errors.batchSizes && (
            <span className="field-warning" role="status" data-testid="warning-batchSizes">
              {warnings.batchSizes.key
                ? t(`validation.${warnings.batchSizes.key}`, warnings.batchSizes.values ?? {})
                : warnings.batchSizes.message}
            </span>
          )}
        </Field>
        <Field field="seeds" error={errors['seeds']} label={t('form.seeds')} hint={t('form.listHint')}>
          {text('seeds', t('form.seeds'))}
        </Field>
      </fieldset>

      <fieldset>
        <legend>{t('form.training')}</legend>
        <Field field="steps" error={errors['steps']} label={t('form.steps')}>
          {text('steps', t('form.steps'))}
        </Field>
        <Field field="optimizer" error={errors['optimizer']} label={t('form.optimizer')}>
          <select
            aria-label={t('form.optimizer')}
            value={form.optimizer}
            onChange={(e) => set('optimizer', e.target.value as FormState['optimizer'])}
          >
            {OPTIMIZERS.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        </Field>
        <Field field="lr" error={errors['lr']} label={t('form.lr')}>
          {text('lr', t('form.lr'))}
        </Field>
        <Field field="clipNorm" error={errors['clipNorm']} label={t('form.clipNorm')} hint={t('form.clipNormHint')}>
          {text('clipNorm', t('form.clipNorm'))}
        </Field>
      </fieldset>

      <fieldset>
        <legend>{t('form.recording')}</legend>
        <Field
          field="recordEvery"
          error={errors['recordEvery']}
          label={t('form.recordEvery')}
          hint={t('form.recordEveryHint')}
        >
          {text('recordEvery', t('form.recordEvery'))}
        </Field>
        <Field field="snapshots" error={errors['snapshots']} label={t('form.snapshots')} hint={t('form.snapshotsHint')}>
          <label className="inline-check">
            <input
              type="checkbox"
              data-testid="snapshots"
              checked={form.snapshots}
              onChange={(e) => set('snapshots', e.target.checked)}
            />{' '}
            {t('form.snapshotsOn')}
          </label>
        </Field>
        <Field field="evalEvery" error={errors['evalEvery']} label={t('form.evalEvery')} hint={t('form.evalEveryHint')}>
          {text('evalEvery', t('form.evalEvery'))}
        </Field>
        <Field
          field="evalLengths"
          error={errors['evalLengths']}
          label={t('form.evalLengths')}
          hint={t('form.evalLengthsHint')}
        >
          {text('evalLengths', t('form.evalLengths'))}
        </Field>
        <Field
          field="evalPolicies"
          error={errors['evalPolicies']}
          label={t('form.policies')}
          hint={t('form.policiesHint')}
        >
          <div className="checks">
            {POLICIES.map((p: Policy) => (
              <label key={p} title={t(`policy.${p}.hint`)}>
                <input
                  type="checkbox"
                  checked={form.evalPolicies.includes(p)}
                  onChange={() => set('evalPolicies', toggle(form.evalPolicies, p))}
                />
                {t(`policy.${p}.name`)}
              </label>
            ))}
          </div>
        </Field>
      </fieldset>
    </div>
  )
}
