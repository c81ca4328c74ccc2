/** User administration (`users.manage`). */
import { request, type Query } from './http'
import { asPage } from './lists'
import type { ManagedUser, Page, UserWrite } from './types'

export async function listUsers(query: Query): Promise<Page<ManagedUser>> {
  return asPage(await request<Page<ManagedUser> | ManagedUser[]>('/users', { query }))
}

export function createUser(body: UserWrite): Promise<ManagedUser> {
  return request<ManagedUser>('/users', { method: 'POST', body, quiet: [409, 422] })
}

/** Full update; include `password` only to reset it. */
export function updateUser(id: number, body: UserWrite): Promise<ManagedUser> {
  return request<ManagedUser>(`/users/${id}`, { method: 'PUT', body, quiet: [409, 422] })
}
