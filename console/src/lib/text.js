// The API's messages read "中文 (english)": a person is shown the Chinese.
export function chinese(text) {
  if (typeof text !== 'string') return ''
  const cut = text.replace(/\s*\([^()]*[A-Za-z][^()]*\)\s*$/, '')
  return cut || text
}

// One line for an error answer: its message, then each field's reasons.
export function errorText(body, labels = {}) {
  if (!body || typeof body !== 'object') return '操作没有成功，请稍后再试'
  const parts = [chinese(body.message) || '操作没有成功']
  for (const [field, reasons] of Object.entries(body.fields || {})) {
    const list = Array.isArray(reasons) ? reasons : [reasons]
    const flat = list.map((r) => (typeof r === 'object' && r !== null ? JSON.stringify(r) : chinese(String(r))))
    parts.push(`${labels[field] || field}：${flat.join('；')}`)
  }
  return parts.join('。')
}

// The reasons per field, in Chinese, for el-form-item's error.
export function fieldErrors(body) {
  const out = {}
  for (const [field, reasons] of Object.entries(body?.fields || {})) {
    const list = Array.isArray(reasons) ? reasons : [reasons]
    out[field] = list.map((r) => chinese(typeof r === 'string' ? r : JSON.stringify(r))).join('；')
  }
  return out
}

// The words for a toast when a form shows each field's reason beside the field itself.
export function formMessage(error) {
  if (error?.body?.fields && Object.keys(error.body.fields).length) return `${chinese(error.body.message) || '输入有误'}，请看标红的地方`
  return error?.message || '操作没有成功'
}

// "李明、王芳, 张强" -> ["李明", "王芳", "张强"]: names typed in one box
export function splitNames(text) {
  return String(text || '').split(/[、，,；;\s]+/).map((part) => part.trim()).filter(Boolean)
}
