// The one catalogue of words (en, 简体中文) for the app, the findings, reports and the CLI. The
// page reads it through i18next (renderer/src/i18n); everything else through `words`.
import { en } from './en'
import { zhCN } from './zh-CN'

export const LANGUAGES = ['en', 'zh-CN'] as const
export type Language = (typeof LANGUAGES)[number]

/** The catalogue's shape, every message a string (each language's literal texts differ). */
type Words<T> = { readonly [K in keyof T]: T[K] extends string ? string : Words<T[K]> }
export type Catalogue = Words<typeof en>

const CATALOGUES: Record<Language, Catalogue> = { en, 'zh-CN': zhCN }

/** The catalogue of a language (its keys and placeholders are those of English; the type checker keeps them so). */
export function words(language: Language): Catalogue {
  return CATALOGUES[language]
}

export function isLanguage(value: unknown): value is Language {
  return value === 'en' || value === 'zh-CN'
}

export { en, zhCN }
export { fill, type MessageValue, type Placeholders, type ValuesOf } from './placeholders'
