import { useEffect, useMemo, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { createStudyRuns } from '../../../shared/lab/run-lifecycle'
import { PRESET_IDS, PRESETS, type PresetId } from '../../../shared/lab/study-plan'
import { presetClaims, settleDesign } from '../../../shared/lab/settle/settle-study'
import { pocockLevel } from '../../../shared/lab/findings/method/sequential'
import { levelPercent } from '../../../shared/lab/findings/describe'
import { api } from '../api'
import { ExperimentForm } from '../components/ExperimentForm'
import { formFromDraft, validateForm, type FormState } from '../components/experiment-form-state'
import { navigate } from '../state/router'
import { useTrainingController } from '../state/training'

export function NewExperimentPage({ initialPreset = 'bnVsLn' }: { initialPreset?: PresetId }) {
  const { t, i18n } = useTranslation()
  const controller = useTrainingController()
  // Warm the compute backend up while the study is designed: training will need it.
  useEffect(() => controller.ensureBackend(), [controller])
  const [preset, setPreset] = useState<PresetId | null>(initialPreset)
  const [form, setForm] = useState<FormState>(() => formFromDraft(PRESETS[initialPreset]))
  const [file, setFile] = useState<File | null>(null)
  const [studyName, setStudyName] = useState('')
  const [busy, setBusy] = useState(false)
  // Presets run until their claims are settled: seeds added in rounds (shared/lab/settle.ts).
  const [settle, setSettle] = useState(true)
  const [maxSeeds, setMaxSeeds] = useState('12')
  const [failure, setFailure] = useState<string | null>(null)
  // Re-validated when the language changes, so zod's messages follow it.
  const language = i18n.language
  const { runs, input, errors, warnings } = useMemo(() => {
    void language
    return validateForm(form, form.task === 'user' ? file?.name : undefined)
  }, [form, file, language])
  const hasErrors = Object.keys(errors).length > 0
  const firstSeeds = input?.grid.seeds.length ?? 0
  // One seed has no spread to judge against: settling starts from two.
  const canSettle = firstSeeds >= 2
  const most = Number(maxSeeds)
  const mostValid = Number.isInteger(most) && most >= firstSeeds && most <= 1000
  const design = useMemo(
    () =>
      canSettle && mostValid
        ? settleDesign(firstSeeds, { maxSeeds: most, claims: preset ? presetClaims(preset) : null })
        : null,
    [canSettle, mostValid, firstSeeds, most, preset],
  )

  const choose = (id: PresetId) => {
    setPreset(id)
    setForm(formFromDraft(PRESETS[id]))
  }

  const run = async () => {
    setBusy(true)
    setFailure(null)
    try {
      const userData = form.task === 'user' && file ? await file.text() : undefined
      const name =
        studyName.trim() ||
        (preset ? t(`presets.${preset}.title`) : t('newExperiment.defaultStudy', { date: new Date().toLocaleString() }))
      if (settle && design && input) {
        void controller.settle(
          input,
          design,
          { name, description: preset ? t(`presets.${preset}.body`) : '', tags: preset ? [preset] : [] },
          userData,
        )
        navigate({ page: 'live' })
        return
      }
      const created = await createStudyRuns(
        api,
        runs,
        { study: { name, description: preset ? t(`presets.${preset}.body`) : '' }, tags: preset ? [preset] : [] },
        userData,
      )
      controller.enqueue(created.runs, created.study && { id: created.study.id, name: created.study.name })
      navigate({ page: 'live' })
    } catch (error) {
      setFailure((error as Error).message)
    } finally {
      setBusy(false)
    }
  }

  return (
    <section className="page" aria-labelledby="new-title">
      <h1 id="new-title">{t('newExperiment.title')}</h1>
      <p className="muted">{t('newExperiment.body')}</p>
      <div className="presets" role="list">
        {PRESET_IDS.map((id) => (
          <button
            key={id}
            type="button"
            role="listitem"
            className={preset === id ? 'preset active' : 'preset'}
            data-testid={`preset-${id}`}
            onClick={() => choose(id)}
          >
            <strong>{t(`presets.${id}.title`)}</strong>
            <span>{t(`presets.${id}.body`)}</span>
          </button>
        ))}
      </div>
      <ExperimentForm
        form={form}
        errors={errors}
        warnings={warnings}
        onChange={(f) => {
          setForm(f)
          setPreset(null)
        }}
        onFile={setFile}
        fileName={file?.name ?? null}
      />
      <div className="run-bar">
        <label className="field">
          <span className="field-label">{t('newExperiment.studyName')}</span>
          <input
            value={studyName}
            placeholder={preset ? t(`presets.${preset}.title`) : ''}
            onChange={(e) => setStudyName(e.target.value)}
            aria-label={t('newExperiment.studyName')}
          />
        </label>
        <label
          className="check"
          title={
            design
              ? t('settle.hint', {
                  looks: design.looks.join(' → '),
                  level: levelPercent(pocockLevel(design.looks.length)),
                  count: design.looks.length,
                })
              : t('newExperiment.settleNeedsSeeds')
          }
        >
          <input
            type="checkbox"
            data-testid="settle"
            checked={settle && canSettle}
            disabled={!canSettle}
            onChange={(e) => setSettle(e.target.checked)}
          />
          {t('settle.title')}
          {design && settle && <span className="muted"> ({design.looks.join(' → ')})</span>}
        </label>
        {settle && canSettle && (
          <label className="field settle-most">
            <span className="field-label">{t('settle.maxSeeds')}</span>
            <input
              value={maxSeeds}
              inputMode="numeric"
              data-testid="settle-max-seeds"
              aria-label={t('settle.maxSeeds')}
              aria-invalid={!mostValid}
              onChange={(e) => setMaxSeeds(e.target.value)}
            />
            {!mostValid && <span className="error">{t('settle.maxSeedsInvalid', { first: firstSeeds })}</span>}
          </label>
        )}
        <span className="muted" data-testid="run-count">
          {hasErrors
            ? t('newExperiment.fixErrors')
            : settle && design
              ? t('newExperiment.willSettle', {
                  count: runs.length,
                  most: (runs.length / firstSeeds) * design.looks[design.looks.length - 1]!,
                })
              : t('newExperiment.willCreate', { count: runs.length })}
        </span>
        <button
          type="button"
          className="primary"
          data-testid="run-experiment"
          disabled={hasErrors || busy || runs.length === 0 || (settle && canSettle && !mostValid)}
          onClick={() => void run()}
        >
          {t('newExperiment.run')}
        </button>
      </div>
      {failure && (
        <p className="error" role="alert">
          {failure}
        </p>
      )}
    </section>
  )
}
