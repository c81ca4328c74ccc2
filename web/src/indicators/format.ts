/** Display of assessment indicators: the columns, values, "x / y" fractions and targets. */
import { i18n } from '@/i18n'
import { dayToDate, type GroupIndicators, type Ratio, type Reference, type TargetCheck, type Targets } from '@/api/indicators'

function t(key: string, params?: Record<string, unknown>): string {
  return params ? i18n.global.t(key, params) : i18n.global.t(key)
}

/** rate: fraction shown in %; count: events per vehicle; duration: seconds per vehicle. */
export type ValueKind = 'rate' | 'count' | 'duration'

export type ColumnKey = keyof TargetCheck &
  ('access_rate' | 'online_rate' | 'track_complete_rate' | 'data_qualified_rate' | 'drift_vehicle_rate' | 'avg_speeding' | 'avg_fatigue')

type RatioField = 'access_rate' | 'online_rate' | 'track_complete_rate' | 'data_qualified_rate' | 'drift_vehicle_rate' | 'avg_speeding_events' | 'avg_fatigue_secs'

export interface Column {
  /** Indicator (i18n `ind.label.<key>`, target check `targets.<key>`). */
  key: ColumnKey
  /** The `Ratio` field of `GroupIndicators`. */
  field: RatioField
  kind: ValueKind
  /** The target is a maximum. */
  atMost: boolean
}

export const COLUMNS: Column[] = [
  { key: 'access_rate', field: 'access_rate', kind: 'rate', atMost: false },
  { key: 'online_rate', field: 'online_rate', kind: 'rate', atMost: false },
  { key: 'track_complete_rate', field: 'track_complete_rate', kind: 'rate', atMost: false },
  { key: 'data_qualified_rate', field: 'data_qualified_rate', kind: 'rate', atMost: false },
  { key: 'drift_vehicle_rate', field: 'drift_vehicle_rate', kind: 'rate', atMost: true },
  { key: 'avg_speeding', field: 'avg_speeding_events', kind: 'count', atMost: true },
  { key: 'avg_fatigue', field: 'avg_fatigue_secs', kind: 'duration', atMost: true },
]

export function ratioOf(g: GroupIndicators, c: Column): Ratio {
  return g[c.field]
}

/** True only when the indicator is defined and misses its target. */
export function belowTarget(g: GroupIndicators, c: Column): boolean {
  return g.targets[c.key] === false
}

/** "95.00%"; "—" when undefined. */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '—' : `${(v * 100).toFixed(2)}%`
}

/** A count or a distance: integers as is, others with at most 2 decimals. */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  return v.toLocaleString('en-US', { maximumFractionDigits: 2, useGrouping: false })
}

/** "3小时20分" / "3 h 20 min": hours and minutes (no days: fatigue and online time add up). */
export function hoursMinutes(secs: number | null | undefined): string {
  if (secs === null || secs === undefined || !Number.isFinite(secs)) return '—'
  const total = Math.max(0, Math.round(secs))
  if (total < 60) return t('dur.s', { n: total })
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const parts: string[] = []
  if (h) parts.push(t('dur.h', { n: h }))
  if (m || !h) parts.push(t('dur.m', { n: m }))
  return parts.join(t('dur.sep'))
}

/** The value of a ratio as the column shows it. */
export function formatValue(kind: ValueKind, v: number | null | undefined): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—'
  switch (kind) {
    case 'rate':
      return pct(v)
    case 'count':
      return t('ind.perVehicle', { v: v.toFixed(2) })
    case 'duration':
      return t('ind.perVehicleDur', { v: hoursMinutes(v) })
  }
}

/** "x / y": the numerator and denominator behind a value. */
export function formatFraction(kind: ValueKind, r: Ratio): string {
  const n = kind === 'duration' ? hoursMinutes(r.numerator) : num(r.numerator)
  return `${n} / ${num(r.denominator)}`
}

/** "目标 ≥ 95.00%", "目标 ≤ 5.00%", "目标 ≤ 全市平均 1.20 次/车". */
export function targetText(c: Column, targets: Targets, reference: Reference): string {
  switch (c.key) {
    case 'access_rate':
    case 'online_rate':
    case 'track_complete_rate':
    case 'data_qualified_rate':
      return t('ind.atLeast', { v: pct(targets[c.key]) })
    case 'drift_vehicle_rate':
      return t('ind.atMost', { v: pct(targets.drift_vehicle_rate_max) })
    case 'avg_speeding':
      return reference.speeding_avg === null ? t('ind.noTarget') : t('ind.cityAvg', { v: formatValue('count', reference.speeding_avg) })
    case 'avg_fatigue':
      return reference.fatigue_avg_secs === null ? t('ind.noTarget') : t('ind.cityAvg', { v: formatValue('duration', reference.fatigue_avg_secs) })
  }
}

/** The target of a 通报 item: a fraction (rates) or the city average (speeding, fatigue). */
export function noticeTarget(kind: ValueKind, target: number | null, atMost: boolean): string {
  if (target === null) return t('ind.noTarget')
  if (kind === 'rate') return t(atMost ? 'ind.atMost' : 'ind.atLeast', { v: pct(target) })
  return t('ind.cityAvg', { v: formatValue(kind, target) })
}

/** "2026-11-01、2026-11-02 … (+5)": a list of day numbers, shortened. */
export function daysText(days: number[], max = 6): string {
  const shown = days.slice(0, max).map(dayToDate).join('、')
  return days.length > max ? `${shown} … (+${days.length - max})` : shown
}

/** Beijing "HH:mm:ss" of a UTC ms, with "MM-DD " when not on `date` (YYYY-MM-DD). */
export function beijingClock(ms: number, date?: string): string {
  const iso = new Date(ms + 8 * 3600_000).toISOString()
  const day = iso.slice(0, 10)
  const clock = iso.slice(11, 19)
  return date && day !== date ? `${day.slice(5)} ${clock}` : clock
}

/** Local calendar date of a picker's Date as YYYY-MM-DD. */
export function ymd(d: Date): string {
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`
}

/** Last calendar day (YYYY-MM-DD) of a YYYY-MM month. */
export function monthEnd(month: string): string {
  const [y, m] = month.split('-').map(Number)
  const last = new Date(Date.UTC(y ?? 1970, m ?? 1, 0))
  return last.toISOString().slice(0, 10)
}

/** Days from `from` to `to` inclusive (YYYY-MM-DD). */
export function daySpan(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000) + 1
}
