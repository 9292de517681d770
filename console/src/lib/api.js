// Every call to the gateway goes through here: the token, an Idempotency-Key on each write
// (a retried click answers the first result, never books twice), and errors in Chinese.
import { forget, session } from './session.js'
import { errorText } from './text.js'

export class ApiError extends Error {
  constructor(status, body) {
    super(status === 0 ? '连接不上服务器，请检查网络后再试' : errorText(body))
    this.status = status
    this.body = body
  }
}

let onUnauthorized = () => {}
export const whenUnauthorized = (callback) => { onUnauthorized = callback }

export function newKey() {
  return globalThis.crypto?.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(16).slice(2)}`
}

export function queryString(query = {}) {
  const params = new URLSearchParams()
  for (const [name, value] of Object.entries(query)) {
    if (value === null || value === undefined || value === '') continue
    params.set(name, Array.isArray(value) ? value.join(',') : String(value))
  }
  const text = params.toString()
  return text ? `?${text}` : ''
}

async function send(method, path, { query, body, file, key } = {}) {
  const headers = {}
  if (session.token) headers.Authorization = `Bearer ${session.token}`
  if (method !== 'GET') headers['Idempotency-Key'] = key || newKey()
  let payload
  if (file) {
    headers['Content-Type'] = file.type || 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'
    payload = file
  } else if (body !== undefined) {
    headers['Content-Type'] = 'application/json'
    payload = JSON.stringify(body)
  }
  let response
  try {
    response = await fetch(`/api/v1${path}${queryString(query)}`, { method, headers, body: payload })
  } catch {
    throw new ApiError(0, null)
  }
  if (response.status === 401 && path !== '/auth/token') {
    forget()
    onUnauthorized()
  }
  if (!response.ok) {
    let answer = null
    try { answer = await response.json() } catch { /* not JSON: a proxy's page */ }
    throw new ApiError(response.status, answer)
  }
  return response
}

export async function call(method, path, options) {
  const response = await send(method, path, options)
  const type = response.headers.get('Content-Type') || ''
  return type.includes('json') ? response.json() : response
}

export const get = (path, query) => call('GET', path, { query })
export const post = (path, body, key) => call('POST', path, { body, key })
export const put = (path, body, key) => call('PUT', path, { body, key })
export const patch = (path, body, key) => call('PATCH', path, { body, key })
export const upload = (path, file, key) => call('POST', path, { file, key })

// Every page of a list (for an export): 500 at a time, as the API allows.
export async function all(path, query = {}, onProgress = () => {}) {
  const items = []
  for (let page = 1; ; page += 1) {
    const answer = await get(path, { ...query, page, page_size: 500 })
    items.push(...answer.items)
    onProgress(items.length, answer.total)
    if (items.length >= answer.total || answer.items.length === 0) return items
  }
}

// "attachment; filename=\"download.xlsx\"; filename*=UTF-8''%E5%B9%B4.xlsx" -> "年.xlsx"
export function filenameOf(disposition, fallback = 'download') {
  const star = /filename\*=UTF-8''([^;]+)/i.exec(disposition || '')
  if (star) return decodeURIComponent(star[1])
  const plain = /filename="?([^";]+)"?/i.exec(disposition || '')
  return plain ? plain[1] : fallback
}

// A file the API answers (Word, Excel), saved by the browser under its Chinese name.
export async function download(path, query) {
  const response = await send('GET', path, { query })
  const blob = await response.blob()
  const name = filenameOf(response.headers.get('Content-Disposition'))
  saveBlob(blob, name)
  return name
}

export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10000)
}
