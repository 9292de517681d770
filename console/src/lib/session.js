// Who is logged in: the token and the account as the gateway describes it (GET /auth/me).
// Kept in localStorage so that a link opened from the office's chat group finds the login.
import { reactive } from 'vue'

const KEY = 'wuji.session'

export const session = reactive({ token: null, expiresAt: 0, account: null })

export function restore(storage = globalThis.localStorage, now = Date.now()) {
  try {
    const saved = JSON.parse(storage?.getItem(KEY) || 'null')
    if (saved && saved.expiresAt > now) Object.assign(session, saved)
  } catch { /* a damaged entry: log in again */ }
}

export function remember(token, expiresIn, account, storage = globalThis.localStorage, now = Date.now()) {
  Object.assign(session, { token, expiresAt: now + expiresIn * 1000, account })
  storage?.setItem(KEY, JSON.stringify(session))
}

export function forget(storage = globalThis.localStorage) {
  Object.assign(session, { token: null, expiresAt: 0, account: null })
  storage?.removeItem(KEY)
}

export const loggedIn = () => Boolean(session.token) && session.expiresAt > Date.now()
export const role = () => session.account?.role

// what a role may do, as the API's route table says (a button not shown is a 403 not met)
export const ADMIN_ONLY = ['admin']
export const OFFICE = ['admin', 'staff']
export const WRITERS = ['admin', 'staff', 'secretary']
export const MONEY_READERS = ['admin', 'staff', 'viewer', 'approver']
export const APPROVERS = ['admin', 'staff', 'approver']
export const can = (roles) => roles.includes(role())
