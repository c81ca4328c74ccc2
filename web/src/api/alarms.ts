/** Alarms, their handling workflow, statistics, cases, rule settings and geofences (docs/alarms-api.md). */
import { request, type Query } from './http'
import { asPage, type WirePage } from './lists'
import type {
  AlarmDetail,
  AlarmItem,
  AlarmNotifications,
  AlarmStats,
  EnforcementCase,
  Evidence,
  Geofence,
  GeofenceWrite,
  HandleBody,
  Page,
  RuleSettings,
} from './types'

export async function listAlarms(query: Query): Promise<Page<AlarmItem>> {
  return asPage(await request<WirePage<AlarmItem>>('/alarms', { query }))
}

/** 404 (not found or another enterprise's alarm) is shown by the page itself. */
export function getAlarm(id: number): Promise<AlarmDetail> {
  return request<AlarmDetail>(`/alarms/${id}`, { quiet: [404] })
}

export function getEvidence(id: number): Promise<Evidence> {
  return request<Evidence>(`/alarms/${id}/evidence`, { quiet: true })
}

/** 409 `terminal_unavailable`, 504 `terminal_timeout` and 422 are explained in the dialog. */
export function handleAlarm(id: number, body: HandleBody): Promise<AlarmDetail> {
  return request<AlarmDetail>(`/alarms/${id}/handle`, { method: 'POST', body, quiet: [409, 422, 502, 504] })
}

export function reviewAlarm(id: number, approve: boolean, note: string): Promise<AlarmDetail> {
  return request<AlarmDetail>(`/alarms/${id}/review`, { method: 'POST', body: { approve, note }, quiet: [409, 422] })
}

export function escalateAlarm(id: number, deadline: string, note: string): Promise<AlarmDetail> {
  return request<AlarmDetail>(`/alarms/${id}/escalate`, { method: 'POST', body: { deadline, note }, quiet: [409, 422] })
}

export function closeAlarm(id: number, note: string): Promise<AlarmDetail> {
  return request<AlarmDetail>(`/alarms/${id}/close`, { method: 'POST', body: { note }, quiet: [409, 422] })
}

export function openCase(id: number, summary: string): Promise<EnforcementCase> {
  return request<EnforcementCase>(`/alarms/${id}/case`, {
    method: 'POST',
    body: summary ? { summary } : {},
    quiet: [409, 422],
  })
}

export function alarmStats(query: Query): Promise<AlarmStats> {
  return request<AlarmStats>('/alarms/stats', { query })
}

/** Polled by the header bell: failures stay silent (the bell simply keeps its last counts). */
export function notifications(): Promise<AlarmNotifications> {
  return request<AlarmNotifications>('/alarms/notifications', { quiet: true })
}

export async function listCases(query: Query): Promise<Page<EnforcementCase>> {
  return asPage(await request<WirePage<EnforcementCase>>('/cases', { query }))
}

export function getRuleSettings(): Promise<RuleSettings> {
  return request<RuleSettings>('/rules/settings')
}

export function putRuleSettings(body: RuleSettings): Promise<RuleSettings> {
  return request<RuleSettings>('/rules/settings', { method: 'PUT', body, quiet: [422] })
}

export async function listGeofences(): Promise<Geofence[]> {
  const r = await request<{ items: Geofence[] } | Geofence[]>('/geofences')
  return Array.isArray(r) ? r : (r.items ?? [])
}

export function createGeofence(body: GeofenceWrite): Promise<Geofence> {
  return request<Geofence>('/geofences', { method: 'POST', body, quiet: [409, 422] })
}

export function updateGeofence(id: number, body: GeofenceWrite): Promise<Geofence> {
  return request<Geofence>(`/geofences/${id}`, { method: 'PUT', body, quiet: [409, 422] })
}

export function deleteGeofence(id: number): Promise<void> {
  return request<void>(`/geofences/${id}`, { method: 'DELETE' })
}
