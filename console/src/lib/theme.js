// Element Plus reads its colours from CSS variables: the office's red, and its lighter and
// darker steps (mixed with white or black as Element Plus's own theme does).
export function mix(hex, other, weight) {
  const parse = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16))
  const [a, b] = [parse(hex), parse(other)]
  return '#' + a.map((v, i) => Math.round(v * (1 - weight) + b[i] * weight).toString(16).padStart(2, '0')).join('')
}

export function palette(name, hex) {
  const vars = { [`--el-color-${name}`]: hex, [`--el-color-${name}-dark-2`]: mix(hex, '#000000', 0.2) }
  for (const step of [3, 5, 7, 8, 9]) vars[`--el-color-${name}-light-${step}`] = mix(hex, '#ffffff', step / 10)
  return vars
}

export function applyTheme(root = document.documentElement) {
  const colours = { ...palette('primary', '#b3261e'), ...palette('success', '#2e7d32'),
    ...palette('warning', '#a15c00'), ...palette('danger', '#c62828'), ...palette('info', '#555b66') }
  for (const [name, value] of Object.entries(colours)) root.style.setProperty(name, value)
}

// 大字 (the default) and 特大字: the type of the whole console, kept for the next visit
export const TYPE_KEY = 'wuji.type'
export function applyType(larger, root = document.documentElement, storage = globalThis.localStorage) {
  root.classList.toggle('larger-type', Boolean(larger))
  storage?.setItem(TYPE_KEY, larger ? 'larger' : 'large')
}
export const prefersLarger = (storage = globalThis.localStorage) => storage?.getItem(TYPE_KEY) === 'larger'
