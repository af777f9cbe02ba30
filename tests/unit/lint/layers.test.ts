import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { findFolderCycles } from '../../../scripts/check-import-cycles.mjs'
import { ROOT, tempDir } from '../../helpers/temp'

const eslint = new ESLint({ cwd: ROOT })

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('the layer rule', () => {
  it('keeps Node, Electron, DOM libraries and other layers out of shared/', async () => {
    expect(
      await restrictedImports(
        'shared/engine/x.ts',
        "import { readFileSync } from 'node:fs'\nexport const x = readFileSync\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/engine/x.ts', "import path from 'path'\nexport const x = path\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/engine/x.ts', "import { app } from 'electron'\nexport const x = app\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/engine/x.ts',
        "import { Archive } from '../../electron/store'\nexport const x = Archive\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/engine/x.ts', "import React from 'react'\nexport const x = React\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/engine/x.ts',
        "import * as tf from '@tensorflow/tfjs-core'\nimport { events } from '../contract/events'\nexport const x = [tf, events]\n",
      ),
    ).toEqual([])
  })

  it('keeps the layers inside shared/ in order: kinds < contract < engine < lab', async () => {
    expect(
      await restrictedImports(
        'shared/kinds/cells/x.ts',
        "import { tf } from '../../engine/core/tf'\nexport const x = tf\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/kinds/x.ts', "import { Run } from '../contract/schemas'\nexport const x = Run\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/contract/x.ts',
        "import { train } from '../engine/trainer'\nexport const x = train\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/engine/x.ts',
        "import { FINDINGS } from '../lab/findings'\nexport const x = FINDINGS\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/engine/recurrence/x.ts',
        "import { cellDefinition } from '../../kinds'\nimport { Run } from '../../contract/schemas'\nexport const x = [cellDefinition, Run]\n",
      ),
    ).toEqual([])
    expect(
      await restrictedImports(
        'shared/lab/x.ts',
        "import { train } from '../engine/trainer'\nimport { NORMS } from '../kinds'\nexport const x = [train, NORMS]\n",
      ),
    ).toEqual([])
  })

  it('places i18n in the lattice: kinds < i18n < lab, and neither the engine nor the contract speaks a language', async () => {
    expect(
      await restrictedImports('shared/lab/report/x.ts', "import { words } from '../../i18n'\nexport const x = words\n"),
    ).toEqual([])
    expect(
      await restrictedImports('shared/i18n/x.ts', "import { NORMS } from '../kinds'\nexport const x = NORMS\n"),
    ).toEqual([])
    expect(
      await restrictedImports('shared/engine/x.ts', "import { words } from '../i18n'\nexport const x = words\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/contract/x.ts', "import { words } from '../i18n'\nexport const x = words\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports('shared/kinds/x.ts', "import { words } from '../i18n'\nexport const x = words\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'shared/i18n/x.ts',
        "import { FINDINGS } from '../lab/findings'\nexport const x = FINDINGS\n",
      ),
    ).toHaveLength(1)
  })

  it('finds two-way ties between folders of shared/ (a parent and its child folder too)', async () => {
    expect(findFolderCycles(ROOT)).toEqual([])
    // The renderer's folders too: training/ no longer reaches up into state/ (its caches live with it).
    expect(findFolderCycles(ROOT, ['renderer/src'])).toEqual([])
    const dir = tempDir('normlab-cycles-')
    try {
      mkdirSync(join(dir.dir, 'shared', 'norms'), { recursive: true })
      writeFileSync(
        join(dir.dir, 'shared', 'population.ts'),
        "import type { Moments } from './norms/types'\nexport type P = Moments\n",
      )
      writeFileSync(join(dir.dir, 'shared', 'norms', 'types.ts'), 'export type Moments = number\n')
      writeFileSync(
        join(dir.dir, 'shared', 'norms', 'normalizer.ts'),
        "import type { P } from '../population'\nexport type N = P\n",
      )
      const cycles = findFolderCycles(dir.dir)
      expect(cycles.map((c) => c.folders)).toEqual([['shared', 'shared/norms']])
      expect(cycles[0]!.ties).toEqual([
        'shared/population.ts → shared/norms/types.ts',
        'shared/norms/normalizer.ts → shared/population.ts',
      ])
    } finally {
      dir.cleanup()
    }
  })

  it('lets only electron/main and electron/preload import electron', async () => {
    expect(
      await restrictedImports('electron/store/x.ts', "import { app } from 'electron'\nexport const x = app\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports('electron/server/x.ts', "import { app } from 'electron'\nexport const x = app\n"),
    ).toHaveLength(1)
    expect(
      await restrictedImports('electron/main/x.ts', "import { app } from 'electron'\nexport const x = app\n"),
    ).toEqual([])
    expect(
      await restrictedImports(
        'electron/preload/x.ts',
        "import { contextBridge } from 'electron'\nexport const x = contextBridge\n",
      ),
    ).toEqual([])
  })

  it('lets the renderer import only types from electron/', async () => {
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import { ipcRenderer } from 'electron'\nexport const x = ipcRenderer\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import { Archive } from '../../electron/store/archive'\nexport const x = Archive\n",
      ),
    ).toHaveLength(1)
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import type { Archive } from '../../electron/store/archive'\nexport type X = Archive\n",
      ),
    ).toEqual([])
    expect(
      await restrictedImports(
        'renderer/src/x.ts',
        "import { readFileSync } from 'fs'\nexport const x = readFileSync\n",
      ),
    ).toHaveLength(1)
  })
})
