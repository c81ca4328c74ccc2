/** The signed-in user and what they may do. One shared state for the whole app. */
import { computed, ref } from 'vue'
import * as auth from '@/api/auth'
import type { Permission, User } from '@/api/types'

const user = ref<User | null>(null)
const checked = ref(false)
let pending: Promise<User | null> | null = null

/** Asks `/auth/me` once per page load (or again after `reset`). */
function ensureLoaded(): Promise<User | null> {
  if (checked.value) return Promise.resolve(user.value)
  if (!pending) {
    pending = auth
      .me()
      .then((u) => {
        user.value = u
        checked.value = true
        return u
      })
      .finally(() => {
        pending = null
      })
  }
  return pending
}

async function login(username: string, password: string): Promise<User> {
  const u = await auth.login(username, password)
  user.value = u
  checked.value = true
  return u
}

async function logout(): Promise<void> {
  try {
    await auth.logout()
  } finally {
    clear()
  }
}

/** Forgets the user without calling the server (after a 401). */
function clear(): void {
  user.value = null
  checked.value = true
}

function can(p: Permission): boolean {
  return user.value?.permissions.includes(p) ?? false
}

export function useAuth() {
  return {
    user: computed(() => user.value),
    isAuthenticated: computed(() => user.value !== null),
    ensureLoaded,
    login,
    logout,
    clear,
    can,
  }
}
