/**
 * The `/api/v1/feed` WebSocket (session cookie), shared by whoever listens. Reconnects with a
 * growing delay; if the socket never opens (older server, proxy without WebSocket) it gives up
 * after a few tries and the console keeps polling instead.
 */
import { ref } from 'vue'
import { API_BASE } from '@/api/http'
import type { FeedMessage } from '@/api/types'

type Listener = (m: FeedMessage) => void

const listeners = new Set<Listener>()
const connected = ref(false)
let socket: WebSocket | null = null
let retryTimer: ReturnType<typeof setTimeout> | undefined
let failures = 0
let everOpened = false
const MAX_FAILURES_BEFORE_OPEN = 3

function url(): string {
  const proto = location.protocol === 'https:' ? 'wss:' : 'ws:'
  return `${proto}//${location.host}${API_BASE}/feed`
}

function connect(): void {
  if (socket || !listeners.size) return
  let ws: WebSocket
  try {
    ws = new WebSocket(url())
  } catch {
    return
  }
  socket = ws
  ws.onopen = () => {
    connected.value = true
    everOpened = true
    failures = 0
  }
  ws.onmessage = (ev: MessageEvent) => {
    if (typeof ev.data !== 'string') return
    let m: FeedMessage
    try {
      m = JSON.parse(ev.data) as FeedMessage
    } catch {
      return
    }
    for (const l of listeners) l(m)
  }
  ws.onclose = () => {
    connected.value = false
    socket = null
    failures++
    if (!listeners.size) return
    if (!everOpened && failures >= MAX_FAILURES_BEFORE_OPEN) return // no feed here: polling only
    const delay = Math.min(60_000, 2_000 * 2 ** Math.min(failures, 5))
    retryTimer = setTimeout(connect, delay)
  }
  ws.onerror = () => {
    /* onclose follows */
  }
}

function disconnect(): void {
  clearTimeout(retryTimer)
  const ws = socket
  socket = null
  connected.value = false
  if (ws) {
    ws.onclose = null
    ws.close()
  }
}

/** Subscribes to feed messages; returns the unsubscribe function. */
export function useAlarmFeed(listener: Listener): { connected: typeof connected; stop: () => void } {
  listeners.add(listener)
  connect()
  return {
    connected,
    stop: () => {
      listeners.delete(listener)
      if (!listeners.size) {
        disconnect()
        failures = 0
        everOpened = false
      }
    },
  }
}
