/**
 * Shared by the 统计分析 panels: number formatting (fixed decimals, grouped thousands, the
 * same in both languages so the browser test can recompute the text), `null` as "—", the
 * labels of server codes in the UI language (from the records schema, falling back to the
 * server's Chinese label) and the default period.
 */
import { useRecordsSchema, loc } from '@/records/schema'
import { currentLocale, tOr } from '@/i18n'

/** Placeholder for "no data" (a `null` rate), never shown as 0. */
export const NONE = '—'

/** `1234567.5` → `1,234,567.50` (fixed decimals, thousands grouped). */
export function fmtNum(v: number | null | undefined, decimals = 2): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE
  const s = Math.abs(v).toFixed(decimals)
  const [int, frac] = s.split('.')
  const grouped = (int ?? '0').replace(/\B(?=(\d{3})+(?!\d))/g, ',')
  const neg = v < 0 && Number(s) !== 0
  return `${neg ? '-' : ''}${grouped}${frac ? `.${frac}` : ''}`
}

/** 万元 → 亿元 (÷ 10 000), 2 decimals, as a number for charts. */
export const toYi = (wan: number) => Math.round((wan / 10000) * 100) / 100

/** A percentage with one decimal: `57.3%`; `—` for null. */
export function fmtPct(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE
  return `${v.toFixed(1)}%`
}

/** A change with its sign: `+5.2%`, `-3.1%`, `0.0%`; `—` for null. */
export function fmtYoy(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return NONE
  const s = v.toFixed(1)
  return v > 0 && Number(s) !== 0 ? `+${s}%` : `${s}%`
}

/** `up` / `down` / `flat` of a change, for colouring (green up, red down). */
export function trend(v: number | null | undefined): 'up' | 'down' | 'flat' | 'none' {
  if (v === null || v === undefined || !Number.isFinite(v)) return 'none'
  return v > 0 ? 'up' : v < 0 ? 'down' : 'flat'
}

/**
 * The label of a code of `register.field` in the UI language: the schema's zh/en, else the
 * catalogue's `fig.codes.<field>.<code>` (English) or the Chinese label the server sent, else
 * the code.
 */
export function codeText(register: string, field: string, code: string | null | undefined, zh?: string | null): string {
  if (code === null || code === undefined) return zh ?? ''
  const reg = useRecordsSchema().schema.value?.registers.find((r) => r.key === register)
  const c = reg?.fields.find((f) => f.key === field)?.codes?.find((x) => x.code === code)
  if (c) return loc(c)
  // Not in the schema (the user may not read that register): the catalogue, then the server's.
  const key = `fig.codes.${field}.${code}`
  if (isEn() || !zh) return tOr(key, zh || code)
  return zh
}

/** Where a source register is shown: `/records/<group>?r=<key>`; null when the user cannot see it. */
export function sourceLink(key: string): { label: string; to: { path: string; query: { r: string } } | null } {
  const reg = useRecordsSchema().schema.value?.registers.find((r) => r.key === key)
  if (!reg) return { label: key, to: null }
  return { label: loc(reg), to: { path: `/records/${reg.group}`, query: { r: reg.key } } }
}

/** Whether the UI shows English (labels of the server's Chinese-only texts). */
export const isEn = () => currentLocale.value === 'en'

/** The month before the current one in Beijing time: the default period. */
export function defaultPeriod(): { year: number; through: string } {
  const d = new Date(Date.now() + 8 * 3600_000)
  let y = d.getUTCFullYear()
  let m = d.getUTCMonth() // 0-based: the previous month, 1-based
  if (m === 0) {
    y -= 1
    m = 12
  }
  return { year: y, through: `${y}-${String(m).padStart(2, '0')}` }
}

export const CHART_COLORS = ['#1f6fd1', '#2e9a5e', '#e6a23c', '#e03c31', '#7b4fc9', '#13a8a8']
export const baseGrid = { left: 12, right: 24, top: 28, bottom: 30, containLabel: true }
