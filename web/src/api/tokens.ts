/** API tokens for integrations (`Authorization: Bearer tt_...`). */
import { request } from './http'
import { asPage } from './lists'
import type { ApiToken, CreatedToken, Page } from './types'

export async function listTokens(): Promise<ApiToken[]> {
  return asPage(await request<Page<ApiToken> | ApiToken[]>('/tokens')).items
}

export function createToken(name: string): Promise<CreatedToken> {
  return request<CreatedToken>('/tokens', { method: 'POST', body: { name }, quiet: [422] })
}

export function revokeToken(id: number): Promise<void> {
  return request<void>(`/tokens/${id}`, { method: 'DELETE' })
}
