import { ESLint } from 'eslint'
import { describe, expect, it } from 'vitest'
import { ROOT } from '../../helpers/temp'

const eslint = new ESLint({ cwd: ROOT })

async function restrictedImports(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}${file}` })
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message)
}

describe('the layer rule', () => {
  it('keeps Node, Electron, DOM libraries and other layers out of shared/', async () => {
    expect(await restrictedImports('shared/engine/x.ts', "import { readFileSync } from 'node:fs'\nexport const x = readFileSync\n")).toHaveLength(1)
    expect(await restrictedImports('shared/engine/x.ts', "import path from 'path'\nexport const x = path\n")).toHaveLength(1)
    expect(await restrictedImports('shared/engine/x.ts', "import { app } from 'electron'\nexport const x = app\n")).toHaveLength(1)
    expect(await restrictedImports('shared/engine/x.ts', "import { Archive } from '../../electron/store'\nexport const x = Archive\n")).toHaveLength(1)
    expect(await restrictedImports('shared/engine/x.ts', "import React from 'react'\nexport const x = React\n")).toHaveLength(1)
    expect(await restrictedImports('shared/engine/x.ts', "import * as tf from '@tensorflow/tfjs-core'\nimport { events } from '../contract/events'\nexport const x = [tf, events]\n")).toEqual([])
  })

  it('lets only electron/main and electron/preload import electron', async () => {
    expect(await restrictedImports('electron/store/x.ts', "import { app } from 'electron'\nexport const x = app\n")).toHaveLength(1)
    expect(await restrictedImports('electron/server/x.ts', "import { app } from 'electron'\nexport const x = app\n")).toHaveLength(1)
    expect(await restrictedImports('electron/main/x.ts', "import { app } from 'electron'\nexport const x = app\n")).toEqual([])
    expect(await restrictedImports('electron/preload/x.ts', "import { contextBridge } from 'electron'\nexport const x = contextBridge\n")).toEqual([])
  })

  it('lets the renderer import only types from electron/', async () => {
    expect(await restrictedImports('renderer/src/x.ts', "import { ipcRenderer } from 'electron'\nexport const x = ipcRenderer\n")).toHaveLength(1)
    expect(await restrictedImports('renderer/src/x.ts', "import { Archive } from '../../electron/store/archive'\nexport const x = Archive\n")).toHaveLength(1)
    expect(await restrictedImports('renderer/src/x.ts', "import type { Archive } from '../../electron/store/archive'\nexport type X = Archive\n")).toEqual([])
    expect(await restrictedImports('renderer/src/x.ts', "import { readFileSync } from 'fs'\nexport const x = readFileSync\n")).toHaveLength(1)
  })
})
