import { beforeEach, describe, expect, it, vi } from 'vitest'

const toasts = vi.hoisted(() => [])
vi.mock('element-plus', () => ({
  ElMessage: {
    success: (options) => toasts.push(['success', options.message]),
    error: (options) => toasts.push(['error', options.message]),
  },
}))

const { ApiError } = await import('../src/lib/api.js')
const { useSubmit } = await import('../src/lib/submit.js')

const refused = new ApiError(409, { message: '该支部还有2名在册党员，不能撤销 (2 members remain)', fields: { withdrawn: ['该支部还有2名在册党员，不能撤销'] } })

describe('useSubmit', () => {
  beforeEach(() => { toasts.length = 0 })

  it('sends with one key until a success, then a new one', async () => {
    const { busy, submit } = useSubmit()
    const keys = []
    const failing = (key) => { keys.push(key); return Promise.reject(refused) }
    await submit(failing, '已保存')
    await submit(failing, '已保存')
    const result = await submit((key) => { keys.push(key); return Promise.resolve({ id: 7 }) }, (saved) => `已保存：${saved.id}`)
    await submit((key) => { keys.push(key); return Promise.resolve({}) })
    expect(result).toEqual({ ok: true, answer: { id: 7 } })
    expect(keys[0]).toBe(keys[1])
    expect(keys[2]).toBe(keys[0])
    expect(keys[3]).not.toBe(keys[2])
    expect(busy.value).toBe(false)
    expect(toasts.at(-1)).toEqual(['success', '已保存：7'])
  })

  it('a refusal: the reasons beside the fields, the toast, the error to the form', async () => {
    const { errors, submit } = useSubmit()
    const result = await submit(() => Promise.reject(refused), '已撤销')
    expect(result).toEqual({ ok: false, error: refused })
    expect(errors.value).toEqual({ withdrawn: '该支部还有2名在册党员，不能撤销' })
    expect(toasts).toEqual([['error', '该支部还有2名在册党员，不能撤销，请看标红的地方']])
  })

  it('failure gives the toast its own words, or leaves the usual ones', async () => {
    const { submit } = useSubmit()
    const own = (exc) => (exc.status === 409 ? '还有在册党员' : '')
    await submit(() => Promise.reject(refused), '', own)
    await submit(() => Promise.reject(new ApiError(0, null)), '', own)
    expect(toasts).toEqual([['error', '还有在册党员'], ['error', '连接不上服务器，请检查网络后再试']])
  })

  it('reset: a new key and no reasons', async () => {
    const { errors, reset, submit } = useSubmit()
    const keys = []
    await submit((key) => { keys.push(key); return Promise.reject(refused) })
    reset()
    expect(errors.value).toEqual({})
    await submit((key) => { keys.push(key); return Promise.resolve({}) })
    expect(keys[1]).not.toBe(keys[0])
  })
})
