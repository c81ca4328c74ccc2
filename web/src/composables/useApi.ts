/** Runs an API call with a `loading` flag; errors are already shown by the HTTP client. */
import { ref } from 'vue'
import { showError } from '@/api/http'

export function useApi() {
  const loading = ref(false)

  async function run<T>(fn: () => Promise<T>): Promise<T | undefined> {
    loading.value = true
    try {
      return await fn()
    } catch (e) {
      showError(e)
      return undefined
    } finally {
      loading.value = false
    }
  }

  return { loading, run }
}
