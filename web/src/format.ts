/** Display formatting shared by the pages. */

/** RFC 3339 → local "YYYY-MM-DD HH:mm:ss"; empty for null. */
export function formatTime(v: unknown): string {
  if (typeof v !== 'string' || !v) return ''
  const d = new Date(v)
  if (Number.isNaN(d.getTime())) return v
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`
}

/** The calendar date in Beijing (UTC+8, no DST) `days` from today, as YYYY-MM-DD. */
export function beijingDate(days = 0): string {
  const d = new Date(Date.now() + 8 * 3600_000 + days * 86400_000)
  return d.toISOString().slice(0, 10)
}

/** Beijing midnight of a YYYY-MM-DD date as a Date. */
export function beijingMidnight(date: string): Date {
  return new Date(`${date}T00:00:00+08:00`)
}
