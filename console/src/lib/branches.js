// The branches the account may see (a secretary: theirs), loaded once for pickers and names.
import { reactive } from 'vue'
import { all } from './api.js'

export const branches = reactive({ list: [], loaded: false })
let loading = null

export function loadBranches(force = false) {
  if (force) loading = null
  loading ??= all('/branches').then((items) => {
    branches.list = items
    branches.loaded = true
    return items
  }).catch((error) => { loading = null; throw error })
  return loading
}

export const branchName = (id) => branches.list.find((b) => b.id === id)?.name || (id ? `支部 ${id}` : '—')
