/** Session routes: login, logout, current user. */
import { ApiError, request } from './http'
import type { User } from './types'

export async function login(username: string, password: string): Promise<User> {
  const r = await request<{ user: User }>('/auth/login', {
    method: 'POST',
    body: { username, password },
    quiet: [401, 429],
    noAuthRedirect: true,
  })
  return r.user
}

export async function logout(): Promise<void> {
  await request<void>('/auth/logout', { method: 'POST', quiet: true, noAuthRedirect: true })
}

/** The signed-in user, or `null` when there is no valid session. */
export async function me(): Promise<User | null> {
  try {
    const r = await request<{ user: User }>('/auth/me', { quiet: [401], noAuthRedirect: true })
    return r.user
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) return null
    throw e
  }
}
