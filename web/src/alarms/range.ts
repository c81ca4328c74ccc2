/** Time ranges of the alarm filters: a preset (resolved when the query is made) or custom dates. */
import type { AlarmItem } from '@/api/types'
import { useAuth } from '@/composables/useAuth'

export type RangePreset = 'today' | 'd7' | 'd30' | 'all' | 'custom'

export interface TimeRange {
  preset: RangePreset
  /** Only for `custom`. */
  custom: [Date, Date] | null
}

function startOfDay(d: Date): Date {
  const s = new Date(d)
  s.setHours(0, 0, 0, 0)
  return s
}

/** `from`/`to` query parameters; presets leave `to` open so that new alarms keep appearing. */
export function rangeQuery(r: TimeRange): { from?: string; to?: string } {
  const now = new Date()
  switch (r.preset) {
    case 'today':
      return { from: startOfDay(now).toISOString() }
    case 'd7':
      return { from: new Date(startOfDay(now).getTime() - 6 * 86400_000).toISOString() }
    case 'd30':
      return { from: new Date(startOfDay(now).getTime() - 29 * 86400_000).toISOString() }
    case 'custom':
      return r.custom ? { from: r.custom[0].toISOString(), to: r.custom[1].toISOString() } : {}
    default:
      return {}
  }
}

/** What the signed-in user may do with an alarm (docs/alarms-api.md, states and permissions). */
export function useAlarmPermissions() {
  const { can } = useAuth()
  return {
    canHandle: (a: Pick<AlarmItem, 'state'>) => can('alarm.handle') && (a.state === 'new' || a.state === 'escalated'),
    canReview: (a: Pick<AlarmItem, 'state'>) => can('alarm.supervise') && a.state === 'handled',
    canEscalate: (a: Pick<AlarmItem, 'state'>) => can('alarm.supervise') && a.state !== 'closed',
    canClose: (a: Pick<AlarmItem, 'state'>) => can('alarm.supervise') && a.state !== 'closed',
    canCase: (a: Pick<AlarmItem, 'case_id'>) => can('alarm.supervise') && !a.case_id,
  }
}
