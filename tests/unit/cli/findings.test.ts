// `lab findings`: every finding with its sets, effect, interval and verdict, in lines that fit a
// terminal, or as JSON; the same JSON as the page computes through web mode from the same archive.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cli as runCapture } from '../../helpers/cli'
import { displayWidth } from '../../../electron/cli/text-width'
import { createWebServer, type WebServer } from '../../../electron/server/http'
import { openServices, type Services } from '../../../electron/store'
import { createApi } from '../../../shared/contract'
import { computeFindings, findingSummary, gatherStudyData } from '../../../shared/lab/findings'
import { createHttpApi } from '../../../renderer/src/api/http-transport'
import { MIGRATIONS, tempDir } from '../../helpers/temp'
import { writeRuns } from '../../helpers/synthetic-runs'

let tmp: ReturnType<typeof tempDir>
let db: string
let studyId: number
beforeEach(async () => {
  tmp = tempDir()
  db = tmp.file('findings.sqlite')
  const services = await openServices({ dbPath: db, host: 'cli', migrationsDir: MIGRATIONS })
  const api = createApi((name, payload) => services.dispatch(name, payload))
  studyId = (await api.createStudy({ name: 'BN vs LN' })).id
  const bn = [0.9, 0.05, 3.0]
  const ln = [0.02, 0.003, 0.05]
  await writeRuns(
    api,
    [
      ...bn.map((loss, i) => ({ config: { norm: 'bn_step', seed: i + 1 }, loss })),
      ...ln.map((loss, i) => ({ config: { norm: 'ln', seed: i + 1 }, loss })),
      { config: { norm: 'ln', seed: 9 }, loss: 0.01 },
    ],
    studyId,
  )
  await services.close()
})
afterEach(() => tmp.cleanup())

const cli = (...argv: string[]) => runCapture(argv)

describe('npm run lab -- findings', () => {
  it('prints every finding as JSON: ids, untranslated verdicts, reasons, effects, runs and sets', async () => {
    const { code, out } = await cli('findings', '--study', String(studyId), '--json', '--db', db)
    expect(code).toBe(0)
    const { findings } = JSON.parse(out) as {
      findings: {
        id: string
        verdict: string
        reason: string | null
        effect: { mean: number; low: number; high: number; n: number } | null
        runIds: number[]
        excluded: unknown[]
        sets: { runIds: number[]; verdict: string }[]
      }[]
    }
    expect(findings.map((f) => f.id)).toEqual([
      'perStepDrift',
      'lateSteps',
      'longerTest',
      'smallBatch',
      'padding',
      'allNorms',
    ])
    const all = findings.find((f) => f.id === 'allNorms')!
    expect(all).toMatchObject({
      verdict: 'reproduced',
      reason: null,
      effect: { n: 3 },
      sets: [{ verdict: 'reproduced' }],
    })
    expect(all.effect!.low).toBeGreaterThan(0)
    expect(all.excluded).toEqual([{ runId: 7, reason: 'unpairedSeed' }])
    expect(findings.find((f) => f.id === 'padding')).toMatchObject({
      verdict: 'not_applicable',
      reason: 'needMaskPad',
      effect: null,
    })
  })

  it('computes the same JSON as the page does through web mode', async () => {
    const services: Services = await openServices({ dbPath: db, host: 'web', migrationsDir: MIGRATIONS })
    const staticDir = tmp.file('static')
    mkdirSync(staticDir)
    writeFileSync(`${staticDir}/index.html`, '<!doctype html>')
    const web: WebServer = createWebServer({ dispatch: services.dispatch, bus: services.bus, staticDir })
    try {
      const url = await web.listen(0)
      const page = createHttpApi(web.token, url.slice(0, url.indexOf('/#')))
      const runIds = (await page.listRuns({ filter: { studyId } })).map((r) => r.id).sort((a, b) => a - b)
      const fromPage = computeFindings(await gatherStudyData(page, runIds)).map(findingSummary)
      const { out } = await cli('findings', '--study', String(studyId), '--json', '--db', db)
      expect(JSON.parse(out)).toEqual({ findings: JSON.parse(JSON.stringify(fromPage)) })
    } finally {
      await web.close()
      await services.close()
    }
  })

  it('prints lines that fit 100 columns, in English and 简体中文, with effect, interval and threshold', async () => {
    for (const lang of ['en', 'zh-CN']) {
      const { code, out } = await cli('findings', '--runs', '1,2,3,4,5,6', '--lang', lang, '--db', db)
      expect(code).toBe(0)
      for (const line of out.split('\n')) expect(displayWidth(line)).toBeLessThanOrEqual(100)
      if (lang === 'en')
        expect(out).toMatch(
          /reproduced\s+LN trains to a lower held-out loss[^\n]*\n\s+effect ×3\d\.\d+ \(95 % interval ×\d+\.?\d* … ×\d+\.?\d* over 3 seeds\); counts from ×1\.1\./,
        )
      else {
        expect(out).toMatch(/复现\s+在这里，LN 训练出的留出损失低于逐步 BN/)
        // Every word in the chosen language: the effect line too (it was English: "effect … 95 % interval").
        expect(out).toMatch(/效应 ×3\d\.\d+（3 个种子上的 95% 区间 ×\d+\.?\d* … ×\d+\.?\d*）；达到 ×1\.1 才算数。/)
        expect(out).not.toMatch(/effect|interval|counts from|runs #/)
      }
      // The claims start in one column whatever the verdict's language: 简体中文 is two columns wide.
      const claimColumns = out
        .split('\n')
        .filter((l) => /^ {2}\S/.test(l))
        .map((l) => displayWidth(/^( {2}\S.*?\s{2,})\S/.exec(l)![1]!))
      expect(new Set(claimColumns), lang).toEqual(new Set([26]))
    }
  })

  it('refuses to run without a study or runs, and names what is wrong', async () => {
    expect(await cli('findings', '--db', db)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/give either --study N or --runs 1,2,3/),
    })
    expect(await cli('findings', '--study', '99', '--db', db)).toMatchObject({
      code: 2,
      err: expect.stringMatching(/study 99 has no runs/),
    })
  })
})
