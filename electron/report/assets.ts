// What a report is built from on the Node side: the report page's script and CSS (built by
// scripts/build-report.mjs into out/report), and the build's provenance (out/build-info.json).
// This file, the CLI bundle (out/node) and the main process (out/main) all sit two folders below
// the project root, so one relative path serves every mode.
import { createHash } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import type { ReportAssets } from '../../shared/lab/report/html'
import { APP_VERSION } from '../store/app-version'

export function outDir(moduleUrl: string = import.meta.url): string {
  return fileURLToPath(new URL('../../out/', moduleUrl))
}

export function reportAssets(dir = outDir()): ReportAssets {
  const script = `${dir}report/report.js`
  if (!existsSync(script)) throw new Error(`the report page is not built (${script} is missing): run npm run build`)
  const text = readFileSync(script, 'utf8')
  return {
    script: text,
    scriptHash: createHash('sha256').update(text, 'utf8').digest('base64'),
    css: readFileSync(`${dir}report/report.css`, 'utf8'),
  }
}

export interface BuildInfo {
  appVersion: string
  commit: string
  tfjsVersion: string
}

export function buildInfo(dir = outDir()): BuildInfo {
  try {
    const info = JSON.parse(readFileSync(`${dir}build-info.json`, 'utf8')) as Partial<BuildInfo>
    return {
      appVersion: info.appVersion ?? APP_VERSION,
      commit: info.commit ?? 'unknown',
      tfjsVersion: info.tfjsVersion ?? 'unknown',
    }
  } catch {
    return { appVersion: APP_VERSION, commit: 'unknown', tfjsVersion: 'unknown' }
  }
}
