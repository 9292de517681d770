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

  // send(key) -> the API's answer; success: the toast's words, or a function of the answer.
  // Answers { ok, answer }; after a success the next submission is a new one.
  async function submit(send, success) {
    busy.value = true
    errors.value = {}
    try {
      const answer = await send(key)
      key = newKey()
      if (success) ElMessage.success({ message: typeof success === 'function' ? success(answer) : success, duration: 5000 })
      return { ok: true, answer }
    } catch (exc) {
      errors.value = fieldErrors(exc.body)
      ElMessage.error({ message: formMessage(exc), duration: 8000 })
      return { ok: false }
    } finally {
      busy.value = false
    }
  }

  return { busy, errors, reset, submit }
}
