import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import Components from 'unplugin-vue-components/vite'
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers'

// Element Plus components are imported where a template uses them (with their CSS):
// the first load carries only what the screens use.
export default defineConfig({
  plugins: [vue(), Components({ resolvers: [ElementPlusResolver({ importStyle: 'css' })], dts: false })],
  server: {
    // `npm run dev` beside `make run`: the API is the gateway's
    proxy: { '/api': 'http://127.0.0.1:8000', '/health': 'http://127.0.0.1:8000' },
  },
  build: { chunkSizeWarningLimit: 1100 },
  test: { environment: 'node', include: ['tests/**/*.test.js'] },
})
