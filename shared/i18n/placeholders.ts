// Compile-time checks on the catalogue's messages: the {{name}} placeholders of a message are a
// type, so a caller that fills a message gives exactly its numbers, and a translation that drops
// or renames a placeholder does not compile.

/** The names of a message's {{placeholders}}, as a union of string literals. */
export type Placeholders<S> = S extends `${string}{{${infer Name}}}${infer Rest}` ? Name | Placeholders<Rest> : never

/** A value a message can show: a number, a word, or nothing ("—"). */
export type MessageValue = number | string | null

/** The values a message needs: one per placeholder, minus those the caller fills itself. */
export type ValuesOf<S, Supplied extends string = never> = { [K in Exclude<Placeholders<S>, Supplied>]: MessageValue }

type SameUnion<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false

/**
 * The shape a translation of `T` must have: the same keys, and each message the same placeholders
 * (a string whose placeholders differ becomes a type no string satisfies, so the mismatch is an error).
 */
export type TranslationOf<T, U> = {
  [K in keyof T]: K extends keyof U
    ? T[K] extends string
      ? U[K] extends string
        ? SameUnion<Placeholders<T[K]>, Placeholders<U[K]>> extends true
          ? U[K]
          : { placeholdersMustBe: Placeholders<T[K]> }
        : string
      : TranslationOf<T[K], U[K]>
    : T[K]
}

/** Checks a translation against the source catalogue at compile time; returns it unchanged. */
export function translationOf<T>() {
  return <const U extends TranslationOf<T, U>>(translation: U): U => translation
}

/** Fills {{name}} placeholders; a missing or non-finite number reads "—". */
export function fill(template: string, values: Readonly<Record<string, MessageValue | undefined>>): string {
  return template.replace(/\{\{(\w+)\}\}/g, (_, key: string) => {
    const v = values[key]
    return v === null || v === undefined || (typeof v === 'number' && !Number.isFinite(v)) ? '—' : String(v)
  })
}
