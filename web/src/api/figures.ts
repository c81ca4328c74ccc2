/**
 * Figures computed by the server from the registers (`tongtu_records::agg`): key-project
 * investment against plan and funding gaps, transport statistics with year-on-year changes and
 * a plausibility check, pavement condition (优良路率). Amounts are in the registers' units
 * (万元, 万吨, 万人次 …); a `null` rate or change means "no data", never 0.
 */
import { request } from './http'

// ---- /figures/projects ----

export interface ProjectFigures {
  id: number
  code: string
  name: string
  kind: string
  kind_zh: string
  status: string
  status_zh: string
  /** 万元 */
  total_investment: number
  /** The year's planned investment, 万元; null without a plan. */
  plan_year: number | null
  completed_year: number
  /** completed_year / plan_year, %; null without a plan. */
  plan_pct: number | null
  cumulative: number
  secured: number
  gap: number
  /** gap / total_investment, %; null when the total is 0. */
  gap_ratio: number | null
}

/** Sums over a set of projects: one kind (`kind` set) or all (`kind` null). */
export interface ProjectTotals {
  kind: string | null
  kind_zh: string | null
  projects: number
  total_investment: number
  plan_year: number
  completed_year: number
  plan_pct: number | null
  cumulative: number
  secured: number
  gap: number
  gap_ratio: number | null
}

/** (level code, level in Chinese, amount 万元) */
export type Subsidy = [string, string, number]

export interface ProjectsSummary {
  year: number
  /** Last month counted, `YYYY-MM`. */
  through: string
  projects: ProjectFigures[]
  by_kind: ProjectTotals[]
  total: ProjectTotals
  feasibility_approvals: number
  design_approvals: number
  subsidies: Subsidy[]
  subsidies_total: number
  /** Register keys the figures come from. */
  sources: string[]
}

// ---- /figures/transport ----

export type MeasureKey = 'passenger_volume' | 'passenger_km' | 'freight_volume' | 'tonne_km'
export const MEASURE_KEYS: MeasureKey[] = ['passenger_volume', 'passenger_km', 'freight_volume', 'tonne_km']

export interface TransportMeasure {
  key: MeasureKey | string
  zh: string
  unit: string
  /** January to `through`. */
  cumulative: number
  /** The same months of the previous year. */
  previous: number
  /** %; null without a previous value. */
  yoy_pct: number | null
  /** The month `through` alone. */
  month: number
}

export interface ModeFigures {
  mode: string
  mode_zh: string
  /** Whether any row of the year exists (a mode without data is not "0"). */
  reported: boolean
  measures: TransportMeasure[]
}

export interface MonthPoint {
  /** `YYYY-MM` (this year and the previous one). */
  month: string
  mode: string
  /** In {@link MEASURE_KEYS} order. */
  values: [number, number, number, number]
}

export interface PortFigures {
  cumulative: number
  previous: number
  yoy_pct: number | null
  reported: boolean
  /** (cargo code, cumulative 万吨) */
  by_cargo: [string, number][]
}

export interface TransportFlag {
  month: string
  county_id: number
  county: string | null
  mode: string
  measure: MeasureKey | string
  value: number
  previous_month: number | null
  last_year: number | null
  /** In Chinese, from the server. */
  reason: string
}

export interface TransportSummary {
  year: number
  through: string
  modes: ModeFigures[]
  /** (county id, county name, figures of one mode) */
  counties: [number, string | null, ModeFigures][]
  series: MonthPoint[]
  port: PortFigures
  flags: TransportFlag[]
  sources: string[]
}

// ---- /figures/pavement ----

export interface GoodRate {
  class: string | null
  class_zh: string | null
  county_id: number | null
  county: string | null
  sections: number
  surveyed_km: number
  good_km: number
  /** 优良路率, %; null without surveys. */
  rate: number | null
}

export interface PavementSummary {
  year: number
  by_class: GoodRate[]
  by_county_class: GoodRate[]
  total: GoodRate
  sources: string[]
}

// ---- calls (errors are left to the page: it shows them in place) ----

export function fetchProjectFigures(year: number, through: string): Promise<ProjectsSummary> {
  return request<ProjectsSummary>('/figures/projects', { query: { year, through }, quiet: true })
}

export function fetchTransportFigures(year: number, through: string): Promise<TransportSummary> {
  return request<TransportSummary>('/figures/transport', { query: { year, through }, quiet: true })
}

export function fetchPavementFigures(year: number): Promise<PavementSummary> {
  return request<PavementSummary>('/figures/pavement', { query: { year }, quiet: true })
}
