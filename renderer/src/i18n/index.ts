import i18next from 'i18next'
import { initReactI18next } from 'react-i18next'
import { z } from 'zod'
import { en, isLanguage, LANGUAGES, zhCN, type Language } from '../../../shared/i18n'

export { LANGUAGES, type Language }
const STORAGE_KEY = 'normlab.language'

/** Storage may be off (a report opened from a file, a data: URL): then the choice is not kept. */
function storage(): Storage | null {
  try {
    return window.localStorage
  } catch {
    return null
  }
}

function initialLanguage(): Language {
  const saved = storage()?.getItem(STORAGE_KEY)
  if (isLanguage(saved)) return saved
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh-CN' : 'en'
}

void i18next.use(initReactI18next).init({
  resources: { en: { translation: en }, 'zh-CN': { translation: zhCN } },
  lng: initialLanguage(),
  fallbackLng: 'en',
  interpolation: { escapeValue: false },
  returnNull: false,
  showSupportNotice: false,
})

/** zod's own messages (e.g. "too small") follow the interface language too. */
function applyValidatorLanguage(language: string): void {
  z.config(language === 'zh-CN' ? z.locales.zhCN() : z.locales.en())
}

export function setLanguage(language: Language, remember = true): void {
  if (remember) storage()?.setItem(STORAGE_KEY, language)
  applyValidatorLanguage(language)
  void i18next.changeLanguage(language)
  document.documentElement.lang = language
}

document.documentElement.lang = i18next.language
applyValidatorLanguage(i18next.language)
export { i18next }
