/**
 * Two languages, English and Ukrainian. Each feature keeps its strings beside its pages in a
 * `messages.ts` built with `defineMessages`, whose type makes a Ukrainian catalog that misses or
 * adds a key a compile error. That check is the reason this is not i18next: the catalogs are plain
 * objects, formatting is the browser's own Intl, and the console ships no i18n runtime.
 * API messages are shown as the API sends them; only the console's own words are translated.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';

export const locales = ['en', 'uk'] as const;
export type Locale = (typeof locales)[number];

export type Catalogs<K extends string> = { readonly en: Readonly<Record<K, string>>; readonly uk: Readonly<Record<K, string>> };

/** `uk` must have exactly the keys of `en`. */
export const defineMessages = <const K extends string>(catalogs: Catalogs<K>): Catalogs<K> => catalogs;

export type Vars = Readonly<Record<string, string | number>>;
export type Translate<K extends string> = (key: K, vars?: Vars) => string;

const storageKey = 'jabba.locale';

function initialLocale(): Locale {
  const stored = localStorage.getItem(storageKey);
  if (stored === 'en' || stored === 'uk') return stored;
  return navigator.language.toLowerCase().startsWith('uk') ? 'uk' : 'en';
}

interface LocaleState { locale: Locale; setLocale: (locale: Locale) => void }
const LocaleContext = createContext<LocaleState>({ locale: 'en', setLocale: () => undefined });

export function LocaleProvider({ children }: { children: ReactNode }) {
  const [locale, setLocaleState] = useState<Locale>(initialLocale);
  useEffect(() => {
    document.documentElement.lang = locale;
  }, [locale]);
  const setLocale = useCallback((next: Locale) => {
    localStorage.setItem(storageKey, next);
    setLocaleState(next);
  }, []);
  const value = useMemo(() => ({ locale, setLocale }), [locale, setLocale]);
  return <LocaleContext.Provider value={value}>{children}</LocaleContext.Provider>;
}

export const useLocale = (): LocaleState => useContext(LocaleContext);

/** `{name}` in a message is replaced by `vars.name`; numbers are written the locale's way. */
export function format(locale: Locale, template: string, vars?: Vars): string {
  if (!vars) return template;
  const numbers = new Intl.NumberFormat(locale);
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numbers.format(value) : value;
  });
}

export function useMessages<K extends string>(catalogs: Catalogs<K>): Translate<K> {
  const { locale } = useLocale();
  return useCallback((key: K, vars?: Vars) => format(locale, catalogs[locale][key], vars), [catalogs, locale]);
}

export function useFormatters() {
  const { locale } = useLocale();
  return useMemo(() => {
    const dateTime = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'medium' });
    const date = new Intl.DateTimeFormat(locale, { dateStyle: 'medium' });
    const number = new Intl.NumberFormat(locale);
    const percent = new Intl.NumberFormat(locale, { style: 'percent', maximumFractionDigits: 1 });
    return {
      dateTime: (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : '—'),
      date: (iso: string | null | undefined) => (iso ? date.format(new Date(iso)) : '—'),
      number: (n: number) => number.format(n),
      percent: (fraction: number) => percent.format(fraction),
    };
  }, [locale]);
}
