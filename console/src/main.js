import { createApp } from 'vue'
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
import 'element-plus/es/components/notification/style/css'
import 'element-plus/es/components/loading/style/css'
import { ElLoading } from 'element-plus'
import App from './App.vue'
import { router } from './router.js'
import { restore } from './lib/session.js'
import { applyTheme, applyType, prefersLarger } from './lib/theme.js'
import './styles.css'

applyTheme()
applyType(prefersLarger())
restore()
createApp(App).use(router).use(ElLoading).mount('#app')
