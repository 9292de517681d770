// One way to send a form: a key made when the form opens (a second press, or a retry after a
// lost answer, records once), the reasons shown beside the fields, a toast either way.
import { ref } from 'vue'
import { ElMessage } from 'element-plus'
import { newKey } from './api.js'
import { fieldErrors, formMessage } from './text.js'

export function useSubmit() {
  const busy = ref(false)
  const errors = ref({})
  let key = newKey()

  function reset() {
    key = newKey()
    errors.value = {}
  }

  // send(key) -> the API's answer; success: the toast's words, or a function of the answer;
  // failure (optional): a function of the error giving the toast's words instead of the usual
  // ones (nothing: the usual). Answers { ok, answer } or { ok: false, error } (the ApiError, for a
  // form that says a refusal beside a field); after a success the next submission is a new one.
  async function submit(send, success, failure) {
    busy.value = true
    errors.value = {}
    try {
      const answer = await send(key)
      key = newKey()
      if (success) ElMessage.success({ message: typeof success === 'function' ? success(answer) : success, duration: 5000 })
      return { ok: true, answer }
    } catch (exc) {
      errors.value = fieldErrors(exc.body)
      ElMessage.error({ message: failure?.(exc) || formMessage(exc), duration: 8000 })
      return { ok: false, error: exc }
    } finally {
      busy.value = false
    }
  }

  return { busy, errors, reset, submit }
}
