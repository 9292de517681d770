// The API's code lists with their Chinese labels (GET /dictionaries), loaded once:
// selects offer the labels and send the codes; tables show the label of a code.
import { reactive } from 'vue'
import { get } from './api.js'

export const dictionaries = reactive({ lists: {}, loaded: false })
let loading = null

export function loadDictionaries() {
  loading ??= get('/dictionaries').then((answer) => {
    dictionaries.lists = answer.dictionaries
    dictionaries.loaded = true
  }).catch((error) => { loading = null; throw error })
  return loading
}

export function options(list, lists = dictionaries.lists) {
  return (lists[list] || []).map(({ code, label }) => ({ value: code, label }))
}

export function label(list, code, lists = dictionaries.lists) {
  if (code === null || code === undefined || code === '') return '—'
  if (code === '***') return code
  const found = (lists[list] || []).find((entry) => entry.code === code)
  return found ? found.label : String(code)
}
