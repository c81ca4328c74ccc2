/** The audit log, newest first. */
import { request, type Query } from './http'
import { asPage } from './lists'
import type { AuditEntry, Page } from './types'

export async function listAudit(query: Query): Promise<Page<AuditEntry>> {
  return asPage(await request<Page<AuditEntry>>('/audit', { query }))
}
